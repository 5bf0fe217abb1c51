/**
 * Runs the whole test suite with `bun test` (arguments are passed on, e.g. a path filter) and ends
 * with one line `N passed, N failed`, the figure CI reads. Exits with bun test's own status.
 */
export {}

const child = Bun.spawn(["bun", "test", ...process.argv.slice(2)], {
  stdout: "inherit",
  stderr: "pipe",
  env: process.env,
})

// bun test prints its summary on stderr: pass it through and keep the counts.
let passed = 0
let failed = 0
let tail = ""
const decoder = new TextDecoder()
for await (const chunk of child.stderr) {
  const text = decoder.decode(chunk, { stream: true })
  process.stderr.write(text)
  tail = (tail + text).slice(-4096)
}
const code = await child.exited
for (const line of tail.split("\n")) {
  const pass = line.match(/^\s*(\d+) pass$/)
  const fail = line.match(/^\s*(\d+) fail$/)
  if (pass) passed = Number(pass[1])
  if (fail) failed = Number(fail[1])
}
if (code !== 0 && failed === 0) failed = 1 // the run itself broke (e.g. a file that does not load)
console.log(`${passed} passed, ${failed} failed`)
process.exit(code)
