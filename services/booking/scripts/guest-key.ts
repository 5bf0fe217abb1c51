/**
 * Makes a guest-token signing key for the booking service (decision 17):
 * `bun services/booking/scripts/guest-key.ts [kid]` prints `BOOKING_GUEST_KEY=...` (the private
 * Ed25519 JWK, for every booking instance) and, commented, its public part, for
 * `BOOKING_GUEST_PUBLISHED_KEYS` during a rotation (see `GuestTokens`).
 */
import { exportJWK, generateKeyPair } from "jose"

const kid = process.argv[2] ?? `booking-guest-${new Date().toISOString().slice(0, 10)}-${crypto.randomUUID().slice(0, 8)}`
if (!/^[A-Za-z0-9._-]{1,100}$/.test(kid)) {
  console.error("a kid is 1-100 letters, digits, dots, dashes or underscores")
  process.exit(2)
}
const pair = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true })
const privateJwk = { ...(await exportJWK(pair.privateKey)), kid }
const { d: _, ...publicJwk } = privateJwk
console.log(`BOOKING_GUEST_KEY='${JSON.stringify(privateJwk)}'`)
console.log(`# public part, for BOOKING_GUEST_PUBLISHED_KEYS while rotating: ${JSON.stringify(publicJwk)}`)
