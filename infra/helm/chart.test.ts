/**
 * The Helm chart (infra/helm/flight-booking): it lints strictly and renders for every values file
 * of its ci/ folder, every rendered object passes the offline validator (the API server's own
 * validation, and the CRDs of the operators' resources), each service has what a production
 * deployment needs, and a value left out stops the render with a message naming it.
 *
 * Helm and the validator are built by `bash infra/helm/ensure.sh`. Without them the suite is
 * skipped, except in CI (CI=true), where that is a failure.
 */
import { describe, expect, test } from "bun:test"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

const here = import.meta.dir
const chart = join(here, "flight-booking")
const valuesFiles = readdirSync(join(chart, "ci")).filter((name) => name.endsWith(".yaml")).sort()
const services = ["gateway", "web", "identity", "booking", "flight", "payment", "notification"] as const
const ports: Record<(typeof services)[number], number> = {
  gateway: 3000, booking: 3001, flight: 3002, payment: 3003, notification: 3004, identity: 3005, web: 3006,
}
const release = "prod"
const prefix = "prod-flight-booking"

interface Tools {
  readonly helm: string
  readonly validate: string
}

const locate = (): Tools | string => {
  const result = Bun.spawnSync(["bash", join(here, "ensure.sh"), "--locate"])
  const lines = result.stdout.toString()
  const path = (name: string) => lines.match(new RegExp(`^${name}: (.+)$`, "m"))?.[1]
  const helm = path("helm")
  const validate = path("helm-validate")
  return result.exitCode === 0 && helm !== undefined && validate !== undefined
    ? { helm, validate }
    : `Helm and helm-validate are not built: run bash infra/helm/ensure.sh first (${result.stderr.toString().trim()})`
}

// Kubernetes objects as rendered: only the parts the checks read are typed.
type K8s = { kind: string; apiVersion: string; metadata: { name: string }; spec?: any; data?: Record<string, string> }

const run = (command: ReadonlyArray<string>, stdin?: string) => {
  const result = Bun.spawnSync([...command], { stdin: stdin === undefined ? "ignore" : Buffer.from(stdin) })
  return { code: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() }
}

const tools = locate()

if (typeof tools === "string") {
  if (process.env["CI"] === "true") {
    test("the chart's tools are built (CI)", () => {
      throw new Error(tools)
    })
  } else {
    test.skip(`the Helm chart (${tools})`, () => {})
  }
} else {
  const template = (file: string, ...extra: ReadonlyArray<string>) =>
    run([tools.helm, "template", release, chart, "--namespace", "flights", "-f", join(chart, "ci", file), ...extra])

  const render = (file: string): ReadonlyArray<K8s> => {
    const result = template(file)
    if (result.code !== 0) throw new Error(`helm template with ${file} failed: ${result.stderr}`)
    return (Bun.YAML.parse(result.stdout) as Array<K8s | null>).filter((doc): doc is K8s => doc !== null)
  }

  const find = (objects: ReadonlyArray<K8s>, kind: string, name: string): K8s => {
    const found = objects.find((object) => object.kind === kind && object.metadata.name === name)
    if (found === undefined) throw new Error(`no ${kind} ${name}`)
    return found
  }

  describe.each(valuesFiles)("the chart with ci/%s", (file) => {
    test("lints with --strict", () => {
      const result = run([tools.helm, "lint", "--strict", chart, "-f", join(chart, "ci", file)])
      expect(result.stderr + result.stdout).toContain("0 chart(s) failed")
      expect(result.code).toBe(0)
    })

    test("renders, and every object passes the API server's validation offline", () => {
      const rendered = template(file)
      expect(rendered.stderr).toBe("")
      expect(rendered.code).toBe(0)
      const checked = run([tools.validate, "-"], rendered.stdout)
      expect(checked.stdout).toMatch(/^\d+ objects, 0 problems/m)
      expect(checked.code).toBe(0)
      const count = Number(checked.stdout.match(/^(\d+) objects/m)?.[1])
      expect(count).toBe(render(file).length)
    })

    test("each service has a hardened Deployment, a Service, a ServiceAccount, a PDB, an HPA and a NetworkPolicy", () => {
      const objects = render(file)
      for (const service of services) {
        const name = `${prefix}-${service}`
        const deployment = find(objects, "Deployment", name)
        const pod = deployment.spec.template.spec
        const [container] = pod.containers
        expect(pod.containers).toHaveLength(1)
        expect(container.livenessProbe.httpGet).toEqual({ path: "/health/live", port: "http" })
        expect(container.readinessProbe.httpGet).toEqual({ path: "/health/ready", port: "http" })
        expect(container.ports).toEqual([{ name: "http", containerPort: ports[service], protocol: "TCP" }])
        expect(Object.keys(container.resources.requests).sort()).toEqual(["cpu", "memory"])
        expect(container.resources.limits.memory).toBeDefined()
        expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } })
        expect(container.securityContext).toMatchObject({
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ["ALL"] },
          seccompProfile: { type: "RuntimeDefault" },
        })
        expect(pod.serviceAccountName).toBe(name)
        expect(find(objects, "Service", name).spec.ports[0].port).toBe(ports[service])
        find(objects, "ServiceAccount", name)
        expect(find(objects, "PodDisruptionBudget", name).spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels)
        expect(find(objects, "HorizontalPodAutoscaler", name).spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name })
        expect(find(objects, "NetworkPolicy", name).spec.policyTypes).toEqual(["Ingress", "Egress"])
      }
      const ingress = find(objects, "Ingress", `${prefix}-gateway`)
      expect(ingress.spec.rules[0].http.paths[0].backend.service.name).toBe(`${prefix}-gateway`)
    })

    test("secrets reach the services from Secrets only, never as plain values", () => {
      const objects = render(file)
      const given = Bun.YAML.parse(readFileSync(join(chart, "ci", file), "utf8")) as any
      // Every secret value of the values file: it may appear in the chart's Secret (base64) and nowhere else.
      const secretValues = [
        ...Object.values(given.connections ?? {}), ...Object.values(given.secrets ?? {}),
        given.operators?.mongodb?.password, given.operators?.redis?.password,
      ].map((item: any) => item?.value).filter((value): value is string => typeof value === "string" && value !== "")
      const plain = objects.filter((object) => object.kind !== "Secret").map((object) => JSON.stringify(object)).join("\n")
      for (const value of secretValues) expect(plain).not.toContain(value)
      const secretish = /(_URL|SECRET|_KEY|PASSWORD|EMAIL)$/
      const plainUrls = /^(AUTH_JWKS_URL|AUTH_GUEST_JWKS_URL|WEB_API_URL|WEB_PUBLIC_URL|GATEWAY_UPSTREAM_[A-Z]+)$/
      for (const service of services) {
        const env: Array<any> = find(objects, "Deployment", `${prefix}-${service}`).spec.template.spec.containers[0].env
        const fromSecrets = new Set(env.filter((entry) => entry.valueFrom?.secretKeyRef !== undefined).map((entry) => entry.name))
        for (const entry of env.filter((entry) => secretish.test(entry.name) && !plainUrls.test(entry.name))) {
          if (entry.valueFrom !== undefined) {
            expect(entry.valueFrom.secretKeyRef.name).toBeTruthy()
            continue
          }
          // A URL the chart composes for an operator's server: its credentials are only references to Secret-read variables.
          const credentials = String(entry.value).match(/^[a-z]+:\/\/([^@]*)@/)?.[1]
          expect(credentials, `${service} ${entry.name}`).toBeDefined()
          const references = [...credentials!.matchAll(/\$\(([A-Z_]+)\)/g)].map((match) => match[1])
          expect(credentials!.replaceAll(/\$\([A-Z_]+\)/g, "").replaceAll(":", "")).toBe("")
          for (const reference of references) expect(fromSecrets.has(reference)).toBe(true)
        }
      }
    })
  })

  describe("values left out or wrong stop the render with a message", () => {
    const cases: ReadonlyArray<[string, ReadonlyArray<string>, RegExp]> = [
      ["the payment database URL", ["--set", "connections.paymentDatabaseUrl.value="],
        /connections\.paymentDatabaseUrl is required: payment keeps the payments in PostgreSQL \(DATABASE_URL\)/],
      ["the booking Redis URL", ["--set", "connections.bookingRedisUrl.secretRef.name="], /connections\.bookingRedisUrl is required/],
      ["the public URL", ["--set", "publicUrl="], /publicUrl is required/],
      ["identity's secret", ["--set", "secrets.betterAuthSecret.secretRef.name="], /secrets\.betterAuthSecret is required/],
      ["a secretRef without its key", ["--set", "connections.rabbitmqUrl.secretRef.key="], /connections\.rabbitmqUrl\.secretRef\.key is required/],
      ["a URL of the wrong kind", ["--set", "connections.paymentDatabaseUrl.value=mysql://db/payments"], /paymentDatabaseUrl[\s\S]*does not match pattern/],
      ["a misspelt value", ["--set", "operators.redis.enbled=true"], /additional properties 'enbled' not allowed|additionalProperties 'enbled' not allowed/],
      ["a secret given as plain env", ["--set", "services.payment.env.DATABASE_URL=postgres://x@db/p"], /DATABASE_URL/],
      ["a sampler OpenTelemetry does not know", ["--set", "tracesSampler=sometimes"], /tracesSampler/],
      ["a sampling ratio above 1", ["--set-string", "tracesSamplerRatio=1.5"], /tracesSamplerRatio[\s\S]*does not match pattern/],
    ]
    test.each(cases)("%s", (_, extra, message) => {
      const result = template("managed-values.yaml", ...extra)
      expect(result.code).not.toBe(0)
      expect(result.stderr).toMatch(message)
    })
  })

  describe("tracing", () => {
    test("the sampler reaches every service as OpenTelemetry's own variables; left empty, none is set (every trace)", () => {
      const envOf = (objects: ReadonlyArray<K8s>, service: string): Record<string, any> =>
        Object.fromEntries(find(objects, "Deployment", `${prefix}-${service}`).spec.template.spec.containers[0].env.map((entry: any) => [entry.name, entry]))
      const sampled = render("managed-values.yaml")
      const unsampled = render("operators-values.yaml")
      for (const service of services) {
        expect(envOf(sampled, service)["OTEL_TRACES_SAMPLER"]?.value).toBe("parentbased_traceidratio")
        expect(envOf(sampled, service)["OTEL_TRACES_SAMPLER_ARG"]?.value).toBe("0.1")
        expect(envOf(unsampled, service)["OTEL_TRACES_SAMPLER"]).toBeUndefined()
        expect(envOf(unsampled, service)["OTEL_TRACES_SAMPLER_ARG"]).toBeUndefined()
      }
    })
  })

  describe("the operator resources", () => {
    test("render the RabbitMQ, CloudNativePG and MongoDB resources and Redis with AOF, and the services use them", () => {
      const objects = render("operators-values.yaml")
      expect(find(objects, "RabbitmqCluster", `${prefix}-rabbitmq`).spec.rabbitmq.additionalConfig).toContain("default_queue_type = quorum")
      expect(find(objects, "Cluster", `${prefix}-postgresql`).spec.instances).toBe(3)
      expect(find(objects, "MongoDBCommunity", `${prefix}-mongodb`).spec.type).toBe("ReplicaSet")
      const redis = find(objects, "StatefulSet", `${prefix}-redis`)
      const args: Array<string> = redis.spec.template.spec.containers[0].args
      const flag = (name: string) => args[args.indexOf(name) + 1]
      expect([flag("--appendonly"), flag("--appendfsync"), flag("--maxmemory-policy")]).toEqual(["yes", "always", "noeviction"])
      expect(redis.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("5Gi")
      const env = (service: string) =>
        Object.fromEntries(find(objects, "Deployment", `${prefix}-${service}`).spec.template.spec.containers[0].env.map((entry: any) => [entry.name, entry]))
      expect(env("payment")["DATABASE_URL"].valueFrom.secretKeyRef).toEqual({ name: `${prefix}-postgresql-app`, key: "uri" })
      expect(env("flight")["MONGODB_URL"].valueFrom.secretKeyRef).toEqual({ name: `${prefix}-mongodb-flight`, key: "connectionString.standard" })
      expect(env("booking")["REDIS_URL"].value).toBe(`redis://:$(REDIS_PASSWORD)@${prefix}-redis.flights.svc:6379`)
      expect(env("booking")["RABBITMQ_USERNAME"].valueFrom.secretKeyRef.name).toBe(`${prefix}-rabbitmq-default-user`)
    })

    test("without an operator resource, its kind of URL is required", () => {
      const result = template("operators-values.yaml", "--set", "operators.mongodb.enabled=false")
      expect(result.code).not.toBe(0)
      expect(result.stderr).toMatch(/connections\.flightMongodbUrl is required: .*or enable operators\.mongodb/)
    })
  })

  describe("the validator", () => {
    test("rejects what an API server would: unknown fields, bad values, unknown kinds, CRs outside their CRD or its CEL rules", () => {
      const bad = [
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replica: 2\n  selector: {matchLabels: {a: b}}\n" +
        "  template:\n    metadata: {labels: {a: c}}\n    spec:\n      containers: [{name: x, image: x, imagePullPolicy: Sometimes, livenessProbe: {periodSeconds: 3}}]",
        "apiVersion: v1\nkind: Service\nmetadata: {name: Bad_Name}\nspec: {ports: [{port: 70000}]}",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}",
        "apiVersion: rabbitmq.com/v1beta1\nkind: RabbitmqCluster\nmetadata: {name: r}\nspec: {replicas: -1, quorum: true}",
        "apiVersion: mongodbcommunity.mongodb.com/v1\nkind: MongoDBCommunity\nmetadata: {name: m}\nspec: {type: Sharded}",
        "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: p}\nspec: {instances: 0, imageName: a, imageCatalogRef: {kind: ImageCatalog, name: c, major: 17}}",
      ].join("\n---\n")
      const result = run([tools.validate, "-"], bad)
      expect(result.code).toBe(1)
      for (
        const message of [
          /unknown field "spec\.replica"/, /`selector` does not match template `labels`/, /imagePullPolicy: Unsupported value: "Sometimes"/,
          /livenessProbe: Required value: must specify a handler type/, /metadata\.name: Invalid value: "Bad_Name"/,
          /spec\.ports\[0\]\.port: Invalid value: 70000/, /no schema for apiVersion example\.com\/v1, kind Widget/,
          /unknown field "spec\.quorum"/, /spec\.replicas: Invalid value: -1/, /spec\.type: Unsupported value: "Sharded"/, /spec\.users: Required value/,
          /spec\.instances: Invalid value: 0/, /imageName and imageCatalogRef are mutually exclusive/,
        ]
      ) expect(result.stdout).toMatch(message)
    })
  })
}
