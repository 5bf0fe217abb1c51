/**
 * The flows of DESIGN §5, driven only through the services' HTTP APIs, for any running system: the
 * embedded one (`scripts/saga.test.ts`) or four processes on the real servers (`scripts/e2e.test.ts`).
 * One name for what the scripts drive: the clients (`SystemApi`), the steps (`FlowSteps`), the sagas
 * (`SagaFlows`) and the access rules end to end (`AccessFlows`).
 */
export * from "./AccessFlows.ts"
export * from "./FlowSteps.ts"
export * from "./SagaFlows.ts"
export * from "./SystemApi.ts"
