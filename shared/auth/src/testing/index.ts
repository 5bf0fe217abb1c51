/** Test helpers, kept out of the main entry so that no service imports them in production. */
export * as HostileTokens from "./HostileTokens.ts"
export * as TestIssuer from "./TestIssuer.ts"
