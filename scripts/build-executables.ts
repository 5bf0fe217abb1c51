/**
 * Builds each service as a single-file executable (`bun build --compile`): `dist/bin/<service>`,
 * the Bun runtime and the service's bundled code in one file that needs nothing but glibc. The
 * images copy these files (infra/docker/Dockerfile).
 *
 *   bun run build:executables [-- booking flight] [--arch arm64] [--outdir dist/bin] [--no-sourcemap]
 *
 * No service named: all seven. Linux x64 unless `--arch arm64` (or `--target`, any of Bun's compile
 * targets, e.g. bun-linux-x64-baseline for processors without AVX2); a target other than this
 * machine's is fetched by Bun from the npm registry once. The code is minified, and its source map
 * is embedded, so that a stack trace names the TypeScript files and lines. The executables read no
 * `.env` or `bunfig.toml` from their working directory: their configuration is the environment.
 * Prints each executable's size and the time taken.
 */
import { mkdir, rm, stat } from "node:fs/promises"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"

export const services = ["identity", "gateway", "web", "booking", "flight", "payment", "notification"] as const
export type Service = (typeof services)[number]

const root = resolve(import.meta.dir, "..")

export const defaultOutdir = join(root, "dist", "bin")

export type Target = Bun.Build.CompileTarget

export const targets = { x64: "bun-linux-x64", arm64: "bun-linux-arm64" } as const satisfies Record<string, Target>

export interface Options {
  readonly outdir: string
  readonly target: Target
  readonly sourcemap: boolean
}

export interface Built {
  readonly service: Service
  readonly path: string
  readonly bytes: number
  readonly millis: number
}

export const isService = (name: string): name is Service => (services as ReadonlyArray<string>).includes(name)

/** The entry point of a service's executable. */
export const entryPoint = (service: Service): string => join(root, "services", service, "src", "main.ts")

/** Builds one service's executable into `options.outdir`, named after the service. */
export const build = async (service: Service, options: Options): Promise<Built> => {
  const started = performance.now()
  const path = join(options.outdir, service)
  const result = await Bun.build({
    entrypoints: [entryPoint(service)],
    // Names kept: errors and logs say which class or function, at little cost beside the runtime's size.
    minify: { whitespace: true, syntax: true, identifiers: true, keepNames: true },
    // Bun embeds the map in the executable whatever the kind; the file it also writes is not needed.
    sourcemap: options.sourcemap ? "external" : "none",
    compile: {
      target: options.target,
      outfile: path,
      autoloadDotenv: false,
      autoloadBunfig: false,
    },
  })
  if (!result.success) {
    throw new AggregateError(result.logs, `${service}: bun build --compile failed:\n${result.logs.map(String).join("\n")}`)
  }
  await rm(`${path}.map`, { force: true })
  return { service, path, bytes: (await stat(path)).size, millis: performance.now() - started }
}

/**
 * Builds `selected` one after the other: each build holds a bundle and a copy of the runtime in
 * memory, and building them all at once saved little on two cores.
 */
export const buildAll = async (selected: ReadonlyArray<Service>, options: Options): Promise<ReadonlyArray<Built>> => {
  await mkdir(options.outdir, { recursive: true })
  const built: Array<Built> = []
  for (const service of selected) built.push(await build(service, options))
  return built
}

const mebibytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`
const seconds = (millis: number) => `${(millis / 1000).toFixed(1)} s`

const main = async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      arch: { type: "string" },
      target: { type: "string" },
      outdir: { type: "string", default: defaultOutdir },
      "no-sourcemap": { type: "boolean", default: false },
    },
  })
  const unknown = positionals.filter((name) => !isService(name))
  if (unknown.length > 0) {
    console.error(`build:executables: no service named ${unknown.join(", ")} (the services: ${services.join(", ")})`)
    process.exit(2)
  }
  if (values.arch !== undefined && !Object.hasOwn(targets, values.arch)) {
    console.error(`build:executables: --arch is one of ${Object.keys(targets).join(", ")}`)
    process.exit(2)
  }
  const target = (values.target ?? targets[(values.arch ?? "x64") as keyof typeof targets]) as Target
  const options: Options = { outdir: resolve(values.outdir), target, sourcemap: !values["no-sourcemap"] }
  const selected = positionals.length === 0 ? services : positionals.filter(isService)
  const started = performance.now()
  console.log(`Building ${selected.length} executable(s) for ${target} into ${options.outdir}`)
  for (const service of selected) {
    const [built] = await buildAll([service], options)
    console.log(`  ${service.padEnd(12)} ${mebibytes(built!.bytes).padStart(10)}  ${seconds(built!.millis)}`)
  }
  console.log(`Done in ${seconds(performance.now() - started)}`)
}

if (import.meta.main) await main()
