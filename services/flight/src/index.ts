export * from "./main.ts"
