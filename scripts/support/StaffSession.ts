/**
 * Signed in as staff through the identity service, as an operator would: sign in (a session token),
 * then `GET /api/auth/token` for an access token. Access tokens live 10 minutes, so one within a
 * minute of its expiry is replaced before it is handed out; long runs (benchmarks) stay signed in.
 */

/**
 * The ops account the identity service seeds: `SEED_OPS_EMAIL` / `SEED_OPS_PASSWORD`, or the
 * development defaults (seeded only by identity in memory, not on PostgreSQL).
 */
export const opsCredentials = () => ({
  email: process.env["SEED_OPS_EMAIL"] || "ops@flight.local",
  password: process.env["SEED_OPS_PASSWORD"] || "flight-ops-dev-only",
})

export interface StaffSession {
  /** `Bearer <access token>`, fresh for at least a minute. */
  readonly authorization: () => Promise<string>
}

const renewWithin = 60_000

const expiryOf = (jwt: string): number => {
  const payload = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as { exp?: number }
  return (payload.exp ?? 0) * 1000
}

export const signIn = (identityUrl: string | URL, credentials = opsCredentials()): StaffSession => {
  let session: string | undefined
  let current: { readonly token: string; readonly expiresAt: number } | undefined
  let renewing: Promise<void> | undefined

  const newSession = async () => {
    const response = await fetch(new URL("/api/auth/sign-in/email", identityUrl), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(credentials),
    })
    if (response.status !== 200) throw new Error(`Signing in as ${credentials.email} failed: ${response.status} ${await response.text()}`)
    session = ((await response.json()) as { token: string }).token
  }

  const accessToken = async (): Promise<Response> =>
    fetch(new URL("/api/auth/token", identityUrl), { headers: { authorization: `Bearer ${session}` } })

  const renew = async () => {
    if (session === undefined) await newSession()
    let response = await accessToken()
    // The session ended (sign-out, restart of an in-memory identity service): sign in again, once.
    if (response.status === 401) {
      await newSession()
      response = await accessToken()
    }
    if (response.status !== 200) throw new Error(`No access token for ${credentials.email}: ${response.status} ${await response.text()}`)
    const { token } = (await response.json()) as { token: string }
    current = { token, expiresAt: expiryOf(token) }
  }

  return {
    authorization: async () => {
      if (current === undefined || current.expiresAt - Date.now() < renewWithin) {
        renewing ??= renew().finally(() => {
          renewing = undefined
        })
        await renewing
      }
      return `Bearer ${current!.token}`
    },
  }
}
