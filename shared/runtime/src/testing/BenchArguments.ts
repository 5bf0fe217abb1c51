/**
 * A benchmark's or a script's command line and environment: `--name value` arguments, and the
 * variables it cannot run without.
 */

/** The value after `--name`, none when the argument is not given. */
export const text = (name: string): string | undefined => {
  const index = process.argv.indexOf(`--${name}`)
  return index >= 0 ? process.argv[index + 1] : undefined
}

/** The number after `--name`, `fallback` when the argument is not given. */
export const number = (name: string, fallback: number): number => {
  const given = text(name)
  return given === undefined ? fallback : Number(given)
}

/** The variable `name`; unset or empty, the process says so (with `hint`) and exits 2. */
export const required = (name: string, hint = ""): string => {
  const value = process.env[name]
  if (value === undefined || value === "") {
    console.error(`set ${name}${hint === "" ? "" : ` ${hint}`}`)
    process.exit(2)
  }
  return value
}
