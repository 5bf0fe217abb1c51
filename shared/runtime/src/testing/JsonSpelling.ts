/**
 * The same JSON value spelled differently, for the tests that a request's fingerprint (an
 * Idempotency-Key's record) reads what a body says, not how a client happened to write it.
 */

/** The same value with every object's keys in reverse order, deeply. */
export const reversedKeys = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(reversedKeys)
    : value !== null && typeof value === "object"
    ? Object.fromEntries(Object.entries(value).reverse().map(([key, inner]) => [key, reversedKeys(inner)]))
    : value
