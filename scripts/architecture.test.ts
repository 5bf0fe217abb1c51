/**
 * The import rules of docs/architecture.md, read from the sources: a rule broken by a new import
 * fails here with the file and the import named.
 */
import { describe, expect, test } from "bun:test"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative } from "node:path"

const root = new URL("..", import.meta.url).pathname

const sources = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sources(path)
    return /\.tsx?$/.test(name) && !name.endsWith(".d.ts") ? [path] : []
  })

/** Every module a file imports or re-exports, as written. */
const importsOf = (file: string) =>
  [...readFileSync(file, "utf8").matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)].map((match) => match[1]!)

const packages = (parent: string) => readdirSync(join(root, parent)).filter((name) => statSync(join(root, parent, name)).isDirectory())
const services = packages("services")
const shared = packages("shared")

/** The offending imports of the files under `dir`: `file: import`. */
const breaking = (dir: string, refused: (specifier: string) => boolean) =>
  sources(join(root, dir)).flatMap((file) =>
    importsOf(file).filter(refused).map((specifier) => `${relative(root, file)}: ${specifier}`)
  )

const layer = (name: string) => (specifier: string) => new RegExp(`^(\\.\\./)+${name}/|^\\.\\./${name}$`).test(specifier)
const anyOf = (...rules: ReadonlyArray<(specifier: string) => boolean>) => (specifier: string) => rules.some((rule) => rule(specifier))
const otherService = (self: string) => (specifier: string) =>
  services.some((service) => service !== self && specifier === `@flight/${service}`)

describe("architecture: who may import what", () => {
  test("the layers are the ones the rules speak of", () => {
    expect(services.toSorted()).toEqual(["booking", "flight", "gateway", "identity", "notification", "payment", "web"])
    expect(shared.toSorted()).toEqual(["auth", "bus", "contracts", "runtime"])
  })

  for (const service of services) {
    const src = `services/${service}/src`
    test(`${service}: the domain imports none of its service's other layers`, () => {
      expect(breaking(`${src}/domain`, anyOf(layer("application"), layer("infrastructure"), layer("api")))).toEqual([])
    })
    test(`${service}: the application imports neither infrastructure nor api`, () => {
      expect(breaking(`${src}/application`, anyOf(layer("infrastructure"), layer("api")))).toEqual([])
    })
    test(`${service}: the infrastructure imports neither application nor api`, () => {
      expect(breaking(`${src}/infrastructure`, anyOf(layer("application"), layer("api")))).toEqual([])
    })
    test(`${service}: its sources import no other service`, () => {
      expect(breaking(src, otherService(service))).toEqual([])
    })
  }

  test("shared packages import no service; contracts imports no other package; runtime only contracts", () => {
    const aService = (specifier: string) => services.some((service) => specifier === `@flight/${service}`)
    for (const name of shared) expect(breaking(`shared/${name}/src`, aService)).toEqual([])
    expect(breaking("shared/contracts/src", (specifier) => specifier.startsWith("@flight/"))).toEqual([])
    expect(breaking("shared/runtime/src", (specifier) => specifier.startsWith("@flight/") && specifier !== "@flight/contracts")).toEqual([])
  })

  test("bus and auth build on contracts and runtime, not on each other", () => {
    expect(breaking("shared/bus/src", (specifier) => specifier.startsWith("@flight/auth"))).toEqual([])
    expect(breaking("shared/auth/src", (specifier) => specifier.startsWith("@flight/bus"))).toEqual([])
  })
})
