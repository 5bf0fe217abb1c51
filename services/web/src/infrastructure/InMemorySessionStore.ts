/** Sessions in the process's memory: lost on restart, seen by this instance only (the default). */
import { Duration, Effect, Layer, Option } from "effect"
import { type Session, SessionStore } from "../domain/Session.ts"

export const name = "in-memory"

export const layer = (ttl: Duration.DurationInput) =>
  Layer.sync(SessionStore, () => {
    const ttlMillis = Duration.toMillis(Duration.decode(ttl))
    const sessions = new Map<string, { readonly session: Session; readonly expiresAt: number }>()
    let lastSweep = Date.now()
    // Expired sessions are dropped as others are saved, at most once a minute: no timer to stop.
    const sweep = (now: number) => {
      if (now - lastSweep < 60_000) return
      lastSweep = now
      for (const [id, entry] of sessions) if (entry.expiresAt <= now) sessions.delete(id)
    }
    return SessionStore.of({
      name,
      // Each use renews the time to live: a session ends after `ttl` unused.
      get: (id) =>
        Effect.sync(() => {
          const now = Date.now()
          const entry = sessions.get(id)
          if (entry === undefined || entry.expiresAt <= now) return Option.none()
          sessions.set(id, { session: entry.session, expiresAt: now + ttlMillis })
          return Option.some(entry.session)
        }),
      save: (session) =>
        Effect.sync(() => {
          const now = Date.now()
          sweep(now)
          sessions.set(session.id, { session, expiresAt: now + ttlMillis })
        }),
      remove: (id) => Effect.sync(() => void sessions.delete(id)),
      check: Effect.void,
    })
  })
