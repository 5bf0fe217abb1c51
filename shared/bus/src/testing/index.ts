/** Test suites shared by the services, kept out of the bus's main entry (they import bun:test). */
export * as ServiceSuite from "./ServiceSuite.ts"
export * as TestBus from "./TestBus.ts"
export * as OutboxLeases from "./OutboxLeases.ts"
export * as TcpProxy from "./TcpProxy.ts"
