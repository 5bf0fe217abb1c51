/**
 * Fixed windows counted in this process, as rate-limiter-flexible's `RateLimiterMemory` counts them:
 * a key's window opens at its first request, every request adds one, and the key is forgotten when
 * its window ends. Synchronous, where `RateLimiterMemory` answers a promise: the gateway counts
 * every request it forwards, and the promises (one per budget, and their `Promise.all`) were a
 * measurable share of its cost per request.
 */

/** A key's count after a request: how many requests its window has seen, and the milliseconds until the window ends. */
export interface Count {
  readonly consumed: number
  readonly msBeforeNext: number
}

interface Window {
  consumed: number
  readonly endsAt: number
}

/** Counts in windows of `windowMs`; `count(key)` spends one request of the key's current window. */
export const make = (windowMs: number): { readonly count: (key: string) => Count } => {
  const windows = new Map<string, Window>()
  const count = (key: string): Count => {
    const now = Date.now()
    const current = windows.get(key)
    if (current !== undefined && current.endsAt > now) {
      current.consumed += 1
      return { consumed: current.consumed, msBeforeNext: current.endsAt - now }
    }
    const opened: Window = { consumed: 1, endsAt: now + windowMs }
    windows.set(key, opened)
    // One timer per window (not per request) forgets the key, so that keys seen once do not pile up.
    const timer = setTimeout(() => {
      if (windows.get(key) === opened) windows.delete(key)
    }, windowMs)
    timer.unref()
    return { consumed: 1, msBeforeNext: windowMs }
  }
  return { count }
}
