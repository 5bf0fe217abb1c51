/**
 * The Nix dev shell (flake.nix, flake.lock), checked without Nix: every input of the flake is locked
 * to a commit with its narHash, and the shell's Bun is the one ./run installs (package.json's
 * packageManager), fetched from the npm registry with the registry's own integrity for each system.
 */
import { describe, expect, test } from "bun:test"
import { join } from "node:path"

const root = new URL("../", import.meta.url).pathname
const flake = await Bun.file(join(root, "flake.nix")).text()
const lockText = await Bun.file(join(root, "flake.lock")).text()
const packageJson = (await Bun.file(join(root, "package.json")).json()) as { packageManager: string }
const bunVersion = /^bun@(\d+\.\d+\.\d+)$/.exec(packageJson.packageManager)![1]!

interface GitHubRef {
  readonly type: string
  readonly owner: string
  readonly repo: string
  readonly ref?: string
}
interface LockNode {
  readonly inputs?: Record<string, string | ReadonlyArray<string>>
  readonly locked?: GitHubRef & { readonly rev: string; readonly narHash: string; readonly lastModified: number }
  readonly original?: GitHubRef
}
interface Lock {
  readonly version: number
  readonly root: string
  readonly nodes: Record<string, LockNode>
}

/** The flake's inputs, `name.url = "github:owner/repo[/ref]";`, from its `inputs = { ... };`. */
const inputsBlock = /\binputs = \{([\s\S]*?)\n {2}\};/.exec(flake)![1]!
const declared = Object.fromEntries(
  [...inputsBlock.matchAll(/^\s*([\w-]+)\.url = "github:([^/"]+)\/([^/"]+)(?:\/([^"]+))?";/gm)].map((match) => [
    match[1]!,
    { owner: match[2]!, repo: match[3]!, ref: match[4] },
  ]),
)

/** `x86_64-linux = { name = "bun-linux-x64"; hash = "sha512-..."; };` in flake.nix's bunPackages. */
const bunPackages = Object.fromEntries(
  [...flake.matchAll(/^\s*([\w-]+) = \{ name = "([^"]+)"; hash = "([^"]+)"; \};/gm)].map((match) => [
    match[1]!,
    { name: match[2]!, hash: match[3]! },
  ]),
)

describe("flake.lock", () => {
  const lock = JSON.parse(lockText) as Lock

  test("is a version 7 lock file whose root inputs are the flake's inputs", () => {
    expect(lock.version).toBe(7)
    expect(Object.keys(declared).toSorted()).toEqual(["flake-utils", "nixpkgs", "nixpkgs-2411"])
    expect(Object.keys(lock.nodes[lock.root]!.inputs ?? {}).toSorted()).toEqual(Object.keys(declared).toSorted())
  })

  test("locks every node to a public GitHub commit with its narHash", () => {
    const nodes = Object.entries(lock.nodes).filter(([name]) => name !== lock.root)
    expect(nodes.length).toBeGreaterThanOrEqual(4) // nixpkgs, nixpkgs-2411, flake-utils and its systems
    for (const [name, node] of nodes) {
      const locked = node.locked!
      expect(`${name} ${locked.type}`).toBe(`${name} github`)
      expect(locked.rev).toMatch(/^[0-9a-f]{40}$/)
      // A SHA-256 in SRI form: 32 bytes, base64.
      expect(locked.narHash).toMatch(/^sha256-[A-Za-z0-9+/]{43}=$/)
      expect(Buffer.from(locked.narHash.slice("sha256-".length), "base64").length).toBe(32)
      expect(Number.isInteger(locked.lastModified)).toBe(true)
      expect(node.original?.owner.toLowerCase()).toBe(locked.owner.toLowerCase())
      expect(node.original?.repo).toBe(locked.repo)
    }
  })

  test("locks each input where flake.nix points it", () => {
    const rootInputs = lock.nodes[lock.root]!.inputs!
    for (const [input, url] of Object.entries(declared)) {
      const node = lock.nodes[rootInputs[input] as string]!
      expect({ input, owner: node.original!.owner.toLowerCase(), repo: node.original!.repo, ref: node.original!.ref })
        .toEqual({ input, owner: url.owner.toLowerCase(), repo: url.repo, ref: url.ref })
    }
  })

  test("resolves every input of every node to a node of the file", () => {
    for (const [name, node] of Object.entries(lock.nodes)) {
      for (const [input, target] of Object.entries(node.inputs ?? {})) {
        // A string names a node; a list follows a path of inputs from the root.
        const resolved = typeof target === "string" ? target : target.reduce((at, step) => lock.nodes[at]!.inputs![step] as string, lock.root)
        expect(`${name}.${input} -> ${resolved in lock.nodes}`).toBe(`${name}.${input} -> true`)
      }
    }
    expect(lock.nodes["flake-utils"]!.inputs).toEqual({ systems: "systems" })
  })

  test("pins nixpkgs to a nixos-unstable commit newer than the nixos-24.11 one", () => {
    expect(lock.nodes["nixpkgs"]!.original!.ref).toBe("nixos-unstable")
    expect(lock.nodes["nixpkgs-2411"]!.original!.ref).toBe("nixos-24.11")
    expect(lock.nodes["nixpkgs"]!.locked!.lastModified).toBeGreaterThan(lock.nodes["nixpkgs-2411"]!.locked!.lastModified)
  })
})

describe("flake.nix", () => {
  const nixInstantiate = Bun.which("nix-instantiate")
  test.skipIf(nixInstantiate === null)("parses as Nix (nix-instantiate --parse, where Nix is installed)", () => {
    const parse = Bun.spawnSync([nixInstantiate!, "--parse", join(root, "flake.nix")], { stdout: "pipe", stderr: "pipe" })
    expect({ exitCode: parse.exitCode, error: parse.stderr.toString().replace(/^warning:.*\n/gm, "") }).toEqual({ exitCode: 0, error: "" })
  })

  test("builds the Bun of package.json's packageManager, not nixpkgs' Bun", () => {
    expect(flake).toContain(`bunVersion = "${bunVersion}";`)
    expect(flake).not.toContain("pkgs.bun")
    expect(flake).toContain('url = "https://registry.npmjs.org/@oven/${bunPackage.name}/-/${bunPackage.name}-${bunVersion}.tgz";')
    expect(flake).toContain('install -Dm755 bin/bun "$out/bin/bun"')
  })

  test("has Bun for every system the shell is made for, each with a sha512 integrity", () => {
    const systems = JSON.parse(`[${/eachSystem \[([^\]]*)\]/.exec(flake)![1]!.trim().split(/\s+/).join(",")}]`) as Array<string>
    expect(Object.keys(bunPackages).toSorted()).toEqual(systems.toSorted())
    for (const { hash } of Object.values(bunPackages)) {
      expect(hash).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/)
      expect(Buffer.from(hash.slice("sha512-".length), "base64").length).toBe(64)
    }
  })

  test("takes Node 20 (the CI workflow's) and Redis 7 from nixos-24.11, the servers and Go from nixos-unstable", async () => {
    const workflow = await Bun.file(join(root, ".github/workflows/ci.yml")).text()
    expect(workflow).toContain('node-version: "20"')
    for (const attribute of ["pkgs2411.nodejs_20", "pkgs2411.redis", "pkgs.postgresql_15", "pkgs.rabbitmq-server", "pkgs.go"]) {
      expect(flake).toContain(attribute)
    }
  })

  // What the npm registry says of Bun's platform packages: as npm recorded it when ./run installed
  // Bun into .tools/ (that machine's platform), and from the registry itself in CI.
  const recorded = join(root, `.tools/bun-${bunVersion}/node_modules/.package-lock.json`)
  test("agrees with the integrity npm recorded when ./run installed Bun", async () => {
    const file = Bun.file(recorded)
    if (!(await file.exists())) return
    const packages = ((await file.json()) as { packages: Record<string, { version: string; integrity: string }> }).packages
    const bun = packages["node_modules/bun"] as unknown as { optionalDependencies: Record<string, string> }
    for (const { name } of Object.values(bunPackages)) expect(bun.optionalDependencies[`@oven/${name}`]).toBe(bunVersion)
    const installed = Object.values(bunPackages).filter(({ name }) => `node_modules/@oven/${name}` in packages)
    for (const { name, hash } of installed) {
      expect(packages[`node_modules/@oven/${name}`]).toMatchObject({ version: bunVersion, integrity: hash })
    }
  })

  const npm = Bun.which("npm")
  test.skipIf(process.env["CI"] !== "true" || npm === null)("agrees with the npm registry's integrity and tarball for each system", async () => {
    const views = Object.values(bunPackages).map(async ({ name, hash }) => {
      const view = Bun.spawn([npm!, "view", `@oven/${name}@${bunVersion}`, "dist", "--json"], { stdout: "pipe", stderr: "pipe" })
      const [text, exitCode] = await Promise.all([new Response(view.stdout).text(), view.exited])
      return { name, hash, exitCode, dist: exitCode === 0 ? (JSON.parse(text) as { integrity: string; tarball: string }) : null }
    })
    for (const { name, hash, exitCode, dist } of await Promise.all(views)) {
      expect({ name, exitCode }).toEqual({ name, exitCode: 0 })
      expect(dist).toMatchObject({
        integrity: hash,
        tarball: `https://registry.npmjs.org/@oven/${name}/-/${name}-${bunVersion}.tgz`,
      })
    }
  }, 60_000)
})
