/** The benchmarks' CPU by process: read from /proc, per unit of work, summed by name. */
import { describe, expect, test } from "bun:test"
import { existsSync } from "node:fs"
import * as ProcessCpu from "../src/testing/ProcessCpu.ts"

describe.skipIf(!existsSync("/proc/self/stat"))("CPU by process from /proc", () => {
  test("a reading of this process counts the CPU it spends, under the name given", () => {
    const before = ProcessCpu.reading({ bench: process.pid })
    const until = performance.now() + 200
    let spin = 0
    while (performance.now() < until) spin += Math.sqrt(spin + 1)
    const after = ProcessCpu.reading({ bench: process.pid })
    expect(after.get(process.pid)?.name).toBe("bench")
    const spent = after.get(process.pid)!.millis - before.get(process.pid)!.millis
    expect(spent).toBeGreaterThanOrEqual(100)
    expect(spin).toBeGreaterThan(0)
  })

  test("a process that is gone is left out of a reading", () => {
    const child = Bun.spawnSync(["true"])
    expect(child.exitCode).toBe(0)
    expect(ProcessCpu.reading({ gone: child.pid }).has(child.pid)).toBe(false)
  })
})

test("per unit of work: each name's processes summed, a process started in between counted whole, largest first", () => {
  const before: ProcessCpu.Reading = new Map([
    [1, { name: "PostgreSQL", millis: 1_000 }],
    [2, { name: "PostgreSQL", millis: 500 }],
    [3, { name: "booking", millis: 200 }],
  ])
  const after: ProcessCpu.Reading = new Map([
    [1, { name: "PostgreSQL", millis: 1_100 }],
    [2, { name: "PostgreSQL", millis: 520 }],
    [4, { name: "PostgreSQL", millis: 80 }],
    [3, { name: "booking", millis: 600 }],
  ])
  expect(ProcessCpu.perUnit(before, after, 10)).toEqual([
    { process: "booking", cpuMsPerUnit: 40 },
    { process: "PostgreSQL", cpuMsPerUnit: 20 },
  ])
})

test("servers by program: FerretDB by its versioned name, PostgreSQL's sessions for FerretDB's database apart", () => {
  expect(ProcessCpu.serverOf("ferretdb-v1.24.", "/root/.cache/flight-booking/ferretdb-v1.24.0 --handler=postgresql")).toBe("FerretDB")
  expect(ProcessCpu.serverOf("postgres", "postgres: 15/main: postgres ferretdb 127.0.0.1(37248) idle")).toBe("PostgreSQL for FerretDB")
  expect(ProcessCpu.serverOf("postgres", "postgres: 15/main: postgres flight_booking_e2e_1 127.0.0.1(37250) idle")).toBe("PostgreSQL")
  expect(ProcessCpu.serverOf("postgres", "/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main")).toBe("PostgreSQL")
  expect(ProcessCpu.serverOf("redis-server", "redis-server 127.0.0.1:6379")).toBe("Redis")
  expect(ProcessCpu.serverOf("beam.smp", "/usr/lib/erlang/erts/bin/beam.smp")).toBe("RabbitMQ")
  expect(ProcessCpu.serverOf("bun", "bun services/booking/src/main.ts")).toBeUndefined()
})

test("the machine's cores between two readings of /proc/stat: busy (user, nice, system, interrupts), idle, waiting for the disk, taken by the host", () => {
  // Ticks of 1/100 s: over 10 s, 1,500 busy (user 1,000 with 100 of guest in it, nice 100, system
  // 300, interrupts 60 and 40), 400 idle, 60 in iowait, 40 stolen, on two cores.
  const ticks = Number(Bun.spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim()) || 100
  const line = (user: number, nice: number, system: number, idle: number, iowait: number, irq: number, softirq: number, steal: number, guest: number) =>
    `cpu  ${[user, nice, system, idle, iowait, irq, softirq, steal, guest, 0].map((value) => value * ticks / 100).join(" ")}\n` +
    "cpu0 1 2 3 4 5 6 7 8 0 0\ncpu1 1 2 3 4 5 6 7 8 0 0\nintr 1 2 3\n"
  const before = ProcessCpu.machineOf(line(10_000, 500, 2_000, 50_000, 100, 200, 300, 10, 1_000), 0)!
  const after = ProcessCpu.machineOf(line(11_000, 600, 2_300, 50_400, 160, 260, 340, 50, 1_100), 10_000)!
  const between = ProcessCpu.machineBetween(before, after)
  expect(between.cores).toBe(2)
  expect(between.millis).toBe(10_000)
  expect(between.busyCores).toBeCloseTo(1.5, 5)
  expect(between.idleCores).toBeCloseTo(0.4, 5)
  expect(between.iowaitCores).toBeCloseTo(0.06, 5)
  expect(between.stealCores).toBeCloseTo(0.04, 5)
  expect(ProcessCpu.machineOf("intr 1 2 3\n", 0)).toBeUndefined()
  expect(ProcessCpu.machineOf("cpu  1 2 x 4 5 6 7 8\n", 0)).toBeUndefined()
})

test.skipIf(!existsSync("/proc/stat"))("a reading of this machine moves forward with the time spent", () => {
  const before = ProcessCpu.machine()!
  Bun.sleepSync(200)
  const between = ProcessCpu.machineBetween(before, ProcessCpu.machine()!)
  const cores = between.cores
  expect(cores).toBeGreaterThanOrEqual(1)
  const all = between.busyCores + between.idleCores + between.iowaitCores + between.stealCores
  expect(all).toBeGreaterThan(cores * 0.5)
  expect(all).toBeLessThan(cores * 1.5)
})
