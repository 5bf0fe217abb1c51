/**
 * The OpenAPI 3.1 document of a service, generated from the same Schemas that validate its requests.
 * Named schemas (classes, branded or annotated with an identifier) land in `components.schemas`.
 */
import { JSONSchema } from "effect"
import type { Schema } from "effect"
import * as Problem from "./Problem.ts"
import * as Route from "./Route.ts"

export type Document = {
  readonly openapi: "3.1.0"
  readonly info: { readonly title: string; readonly version: string; readonly description?: string }
  readonly paths: Record<string, Record<string, unknown>>
  readonly components: { readonly schemas: Record<string, unknown>; readonly securitySchemes: Record<string, unknown> }
}

/** The one security scheme: an access token in `Authorization: Bearer`. */
export const securitySchemeName = "bearerAuth"

const securitySchemes = {
  [securitySchemeName]: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "An access token of the identity service (`GET /api/auth/token`) or of the configured issuer",
  },
}

/**
 * What an access adds to an operation, derived from it alone: the security requirement (optional
 * for `anyone`: a token sent must still be valid), the 401 (no valid token) and, with roles, the
 * 403 and a sentence naming them.
 */
const accessOf = (access: Route.Access) => {
  const roles = Route.rolesOf(access)
  const who = access === "anyone"
    ? "Anyone may call it; a token sent must be valid."
    : roles.length === 0
    ? "Requires a valid access token."
    : `Requires an access token with the role ${roles.join(" or ")}.`
  return {
    security: Route.requiresToken(access) ? [{ [securitySchemeName]: [] }] : [{}, { [securitySchemeName]: [] }],
    statuses: roles.length === 0 ? [401] : [401, 403],
    who,
  }
}

const definitionPath = "#/components/schemas/"
const problemRef = { $ref: `${definitionPath}Problem` }

const problemResponse = (status: number) => ({
  description: Problem.titleFor(status),
  content: { [Problem.contentType]: { schema: problemRef } },
})

type Definitions = Record<string, JSONSchema.JsonSchema7>

const jsonSchema = (schema: Schema.Schema.AnyNoContext, definitions: Definitions, topLevel: "keep" | "skip") =>
  JSONSchema.fromAST(schema.ast, {
    definitions,
    definitionPath,
    target: "openApi3.1",
    topLevelReferenceStrategy: topLevel,
  })

const parameters = (
  where: "path" | "query" | "header",
  schema: Schema.Schema.AnyNoContext | undefined,
  definitions: Definitions,
): Array<unknown> => {
  if (schema === undefined) return []
  const object = jsonSchema(schema, definitions, "skip") as {
    readonly properties?: Record<string, unknown>
    readonly required?: ReadonlyArray<string>
  }
  if (object.properties === undefined) throw new Error(`the ${where} schema must be a Struct`)
  return Object.entries(object.properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === "path" || (object.required ?? []).includes(name),
    schema: property,
  }))
}

/**
 * Every `:name` of the path is a path parameter, as OpenAPI requires: typed by the route's params
 * Schema, a plain string where it has none. A Schema naming a parameter the path lacks (or the
 * reverse, for a route with a Schema) is a mistake in the route, reported at start.
 */
const pathParameters = (route: Route.Route<unknown>, definitions: Definitions): Array<unknown> => {
  const names = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1]!)
  const typed = parameters("path", route.params, definitions) as Array<{ readonly name: string }>
  if (route.params !== undefined) {
    const declared = typed.map((parameter) => parameter.name).sort()
    if (declared.join(",") !== [...names].sort().join(",")) {
      throw new Error(`${route.method.toUpperCase()} ${route.path}: params Schema declares ${declared.join(", ") || "nothing"}, the path has ${names.join(", ") || "no parameter"}`)
    }
    return typed
  }
  return names.map((name) => ({ name, in: "path", required: true, schema: { type: "string" } }))
}

/** A success's fixed headers as OpenAPI documents them: each with the one value it has. */
const successHeaders = (headers: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, { required: true, schema: { type: "string", const: value } }]))

const operation = (route: Route.Route<unknown>, definitions: Definitions) => {
  const access = accessOf(route.access)
  const responses: Record<string, unknown> = {
    [String(route.success.status)]: {
      description: route.success.description ?? "Success",
      ...(route.success.headers === undefined ? {} : { headers: successHeaders(route.success.headers) }),
      ...(route.success.schema === undefined
        ? {}
        : { content: { "application/json": { schema: jsonSchema(route.success.schema, definitions, "keep") } } }),
    },
  }
  const errors = new Set([400, ...access.statuses, ...(route.body === undefined ? [] : [413, 415]), ...route.errors])
  for (const status of [...errors].sort((a, b) => a - b)) responses[String(status)] = problemResponse(status)
  const params = [
    ...pathParameters(route, definitions),
    ...parameters("query", route.query, definitions),
    ...parameters("header", route.headers, definitions),
  ]
  return {
    summary: route.summary,
    description: route.description === undefined ? access.who : `${route.description} ${access.who}`,
    ...(route.tags.length === 0 ? {} : { tags: route.tags }),
    ...(params.length === 0 ? {} : { parameters: params }),
    ...(route.body === undefined
      ? {}
      : {
        requestBody: {
          required: true,
          content: { "application/json": { schema: jsonSchema(route.body, definitions, "keep") } },
        },
      }),
    security: access.security,
    responses,
  }
}

const operations = {
  "/health/live": {
    get: {
      summary: "Liveness: the process is up",
      tags: ["operations"],
      responses: { "200": { description: "Alive" } },
    },
  },
  "/health/ready": {
    get: {
      summary: "Readiness: the service's dependencies are reachable",
      tags: ["operations"],
      responses: { "200": { description: "Ready" }, "503": problemResponse(503) },
    },
  },
}

/** Throws, naming the route, when a schema cannot be described (so it shows at start, not at request). */
export const document = (options: {
  readonly title: string
  readonly version: string
  readonly description?: string
  readonly routes: ReadonlyArray<Route.Route<unknown>>
  /** Who may read `/metrics`. */
  readonly metricsAccess: Route.Access
}): Document => {
  const definitions: Definitions = {}
  jsonSchema(Problem.Body, definitions, "keep")
  const metrics = accessOf(options.metricsAccess)
  const paths: Record<string, Record<string, unknown>> = {
    ...operations,
    "/metrics": {
      get: {
        summary: "Metrics in Prometheus text",
        description: metrics.who,
        tags: ["operations"],
        security: metrics.security,
        responses: {
          "200": { description: "The metrics", content: { "text/plain": { schema: { type: "string" } } } },
          ...Object.fromEntries(metrics.statuses.map((status) => [String(status), problemResponse(status)])),
        },
      },
    },
  }
  for (const route of options.routes) {
    const path = Route.openApiPath(route.path)
    try {
      paths[path] = { ...paths[path], [route.method]: operation(route, definitions) }
    } catch (error) {
      throw new Error(`OpenAPI: cannot describe ${route.method.toUpperCase()} ${route.path}: ${String(error)}`)
    }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: options.title,
      version: options.version,
      ...(options.description === undefined ? {} : { description: options.description }),
    },
    paths,
    components: { schemas: definitions, securitySchemes },
  }
}
