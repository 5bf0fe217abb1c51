/** Test helpers, kept out of the runtime's main entry so that no service imports bun:test. */
export * as ChildProcess from "./ChildProcess.ts"
export * as EffectTest from "./EffectTest.ts"
export * as RealServer from "./RealServer.ts"
export * as HttpAssertions from "./HttpAssertions.ts"
export * as Postgres from "./Postgres.ts"
export * as RawHttp from "./RawHttp.ts"
export * as ConfigSuite from "./ConfigSuite.ts"
export * as JsonSpelling from "./JsonSpelling.ts"
