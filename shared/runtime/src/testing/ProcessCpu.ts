/**
 * The CPU time of the processes a benchmark runs on, read from Linux's `/proc`: the services it
 * started (by pid) and the servers on the same machine (by program name, every process of one counted
 * together: PostgreSQL's backends; its sessions for FerretDB apart). Two readings around the measured
 * seconds, divided by the work done in them, say what each process spends on one unit of work: a
 * steadier figure than throughput on a machine whose two cores all of them share. A server on
 * another machine is not seen.
 */
import { readdirSync, readFileSync } from "node:fs"

/** The servers counted, by the name the kernel gives their processes (`/proc/<pid>/comm`). */
const servers: Readonly<Record<string, string>> = {
  "redis-server": "Redis",
  postgres: "PostgreSQL",
  "beam.smp": "RabbitMQ",
}

/**
 * The server a process is part of, from its name and command line: FerretDB's binary is named with
 * its version (cut to 15 characters by the kernel), and the PostgreSQL sessions serving FerretDB's
 * database (`postgres: ... ferretdb 127.0.0.1(...)`) are counted as FerretDB's own.
 */
export const serverOf = (comm: string, commandLine: string): string | undefined => {
  if (comm.startsWith("ferretdb")) return "FerretDB"
  if (comm === "postgres" && / ferretdb \S+\(\d+\)/.test(commandLine)) return "PostgreSQL for FerretDB"
  return servers[comm]
}

/** Clock ticks a second, as `/proc` counts CPU time (`getconf CLK_TCK`; 100 where it cannot be asked). */
const ticksPerSecond = (() => {
  try {
    const answer = Bun.spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim()
    const ticks = Number(answer)
    return Number.isInteger(ticks) && ticks > 0 ? ticks : 100
  } catch {
    return 100
  }
})()

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8")
  } catch {
    return undefined
  }
}

/** User and system CPU of one process in milliseconds, or undefined when it is gone (or there is no `/proc`). */
export const cpuMillisOf = (pid: number): number | undefined => {
  const stat = read(`/proc/${pid}/stat`)
  if (stat === undefined) return undefined
  // The command name may hold spaces and parentheses: the fields start after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond
}

/** A reading: each process's name and the CPU milliseconds it has used so far, by pid. */
export type Reading = ReadonlyMap<number, { readonly name: string; readonly millis: number }>

/**
 * One reading of each of `processes` (name to pid) and of each server process found running.
 * Empty where there is no `/proc`.
 */
export const reading = (processes: Readonly<Record<string, number>>): Reading => {
  const used = new Map<number, { readonly name: string; readonly millis: number }>()
  for (const [name, pid] of Object.entries(processes)) {
    const millis = cpuMillisOf(pid)
    if (millis !== undefined) used.set(pid, { name, millis })
  }
  let pids: Array<string> = []
  try {
    pids = readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))
  } catch {
    return used
  }
  for (const pid of pids) {
    const comm = read(`/proc/${pid}/comm`)?.trim()
    const name = comm === undefined ? undefined : serverOf(comm, read(`/proc/${pid}/cmdline`)?.replaceAll("\0", " ") ?? "")
    const millis = name === undefined ? undefined : cpuMillisOf(Number(pid))
    if (name !== undefined && millis !== undefined) used.set(Number(pid), { name, millis })
  }
  return used
}

/**
 * The CPU milliseconds each named process spent per unit of work between two readings, largest
 * first. A process started between them counts all it used; one that ended between them, nothing.
 */
export const perUnit = (before: Reading, after: Reading, units: number) => {
  const spent = new Map<string, number>()
  for (const [pid, { millis, name }] of after) spent.set(name, (spent.get(name) ?? 0) + millis - (before.get(pid)?.millis ?? 0))
  return [...spent]
    .map(([name, millis]) => ({ process: name, cpuMsPerUnit: millis / Math.max(units, 1) }))
    .toSorted((a, b) => b.cpuMsPerUnit - a.cpuMsPerUnit)
}

/**
 * The whole machine's CPU time so far (`/proc/stat`), in milliseconds by what the cores did, with when
 * it was read and how many cores it counts (every core online, whichever this process may run on).
 */
export interface MachineReading {
  readonly cores: number
  readonly busy: number
  readonly idle: number
  /** Idle with a disk read or write outstanding. */
  readonly iowait: number
  /** Taken by the host from this virtual machine. */
  readonly steal: number
  readonly at: number
}

/** Parses `/proc/stat`'s first line (`cpu user nice system idle iowait irq softirq steal …`, in clock ticks). */
export const machineOf = (stat: string, at: number): MachineReading | undefined => {
  const line = stat.split("\n").find((row) => row.startsWith("cpu "))
  if (line === undefined) return undefined
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map((ticks) => (Number(ticks) * 1000) / ticksPerSecond)
  if ([user, nice, system, idle, iowait, irq, softirq].some((value) => value === undefined || Number.isNaN(value))) return undefined
  // Guest time is counted in user time already.
  const cores = stat.split("\n").filter((row) => /^cpu\d+ /.test(row)).length
  return { cores, busy: user! + nice! + system! + irq! + softirq!, idle: idle!, iowait: iowait!, steal: steal ?? 0, at }
}

/** A reading of the whole machine, or undefined where there is no `/proc`. */
export const machine = (): MachineReading | undefined => {
  const stat = read("/proc/stat")
  return stat === undefined ? undefined : machineOf(stat, performance.now())
}

/**
 * Between two readings, how many cores on average were busy, idle, waiting for the disk and taken by
 * the host: whether a benchmark had the machine to itself and used it (two cores busy), or waited;
 * with the milliseconds between them, to set other CPU times of the same window against.
 */
export const machineBetween = (before: MachineReading, after: MachineReading) => {
  const millis = Math.max(after.at - before.at, 1)
  const cores = (field: "busy" | "idle" | "iowait" | "steal") => (after[field] - before[field]) / millis
  return {
    cores: after.cores,
    millis,
    busyCores: cores("busy"),
    idleCores: cores("idle"),
    iowaitCores: cores("iowait"),
    stealCores: cores("steal"),
  }
}
