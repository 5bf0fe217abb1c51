/** Test helpers, kept out of the main entry so that no service imports them in production. */
export * as TestIssuer from "./TestIssuer.ts"
