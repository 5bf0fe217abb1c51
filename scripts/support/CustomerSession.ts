/**
 * A new customer, as a traveller becomes one: signs up through the identity service with an email of
 * its own, then holds a session whose access tokens are renewed as the staff's are.
 */
import * as StaffSession from "./StaffSession.ts"

export interface Customer extends StaffSession.StaffSession {
  readonly email: string
}

export const signUp = async (identityUrl: string | URL, name = "Ada Lovelace"): Promise<Customer> => {
  const email = `customer-${crypto.randomUUID()}@example.com`
  const password = `correct horse battery ${crypto.randomUUID().slice(0, 8)}`
  const response = await fetch(new URL("/api/auth/sign-up/email", identityUrl), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, email, password }),
  })
  if (response.status !== 200) throw new Error(`Signing up ${email} failed: ${response.status} ${await response.text()}`)
  return { email, ...StaffSession.signIn(identityUrl, { email, password }) }
}
