/**
 * Statements prepared once per connection. PostgreSQL parses, analyses and plans an unnamed
 * statement, which is how `pg` sends a query with parameters, every time it runs; for the services'
 * statements of several CTEs that costs more than running them (payment's claim: 0.74-0.84 ms a
 * run unnamed, 0.29 ms prepared; docs/benchmarks.md, "Statements prepared once"). This `pg` client
 * runs each distinct text with parameters as a named statement of its connection: parsed and
 * analysed once, and planned once PostgreSQL finds a generic plan as good as the custom ones
 * (`plan_cache_mode`, auto by default).
 *
 * - Only a text with parameters is named: one without (`BEGIN`, `LISTEN`, a migration of several
 *   statements) goes by the simple protocol as before, which allows several statements in one text.
 * - A connection names at most `maxPerConnection` texts; beyond them a text runs unnamed, so texts
 *   built with a varying number of parameters (`IN (...)`) cannot grow a connection without bound.
 * - A statement a run leaves unusable is prepared again, under a new name, when its text next runs;
 *   that run fails as it would have. That is a table changed under it so that its result changes
 *   shape (a column added while `SELECT *` or `RETURNING *` is prepared: SQLSTATE 0A000, "cached plan
 *   must not change result type") or its parameters' types no longer fit (a column's type changed:
 *   class 42, such as 42883), a statement the server no longer has (26000), and a value `pg` could
 *   not send (which closes the statement while `pg` still counts it parsed). So a migration by a
 *   newer instance costs an older one a failed statement per connection, which its retry policy
 *   covers, not every statement after it. Other errors (a constraint, a cancellation) leave it be.
 *
 * It suits a connection to PostgreSQL itself or to a pooler in session mode; a pooler in transaction
 * mode (which hands each transaction a different server connection) does not keep named statements.
 */
import pg from "pg"

/** The distinct texts one connection prepares; a text beyond them runs unnamed. */
export const maxPerConnection = 256

/**
 * Whether the error may have left the text's statement unusable on its connection: any error of
 * `pg`'s own (not the server's answer), or the server's 0A000 (result type changed), 26000 (no such
 * statement) or class 42 (a type, column or function that no longer fits).
 */
const unusable = (error: Error): boolean => {
  if (!(error instanceof pg.DatabaseError)) return true
  const code = error.code ?? ""
  return code === "0A000" || code === "26000" || code.startsWith("42")
}

type Callback = (error: Error | null, result: pg.QueryResult) => void

/** A `pg` client whose queries with parameters run as statements prepared on its connection. */
export class PreparingClient extends pg.Client {
  /** Each text prepared on this connection, by its statement's name. */
  readonly #names = new Map<string, string>()
  #prepared = 0

  /** The name `text` runs under on this connection, or undefined when it runs unnamed. */
  nameOf(text: string): string | undefined {
    const known = this.#names.get(text)
    if (known !== undefined || this.#prepared >= maxPerConnection) return known
    // Names are never reused on a connection: one dropped from the map may still exist on the server.
    const name = `fb_${++this.#prepared}`
    this.#names.set(text, name)
    return name
  }

  /** Prepares `text` again, under a new name, when it next runs. */
  forget(text: string): void {
    this.#names.delete(text)
  }

  /** How many texts this connection has named so far. */
  get preparedCount(): number {
    return this.#prepared
  }
}

// pg's `query` has a dozen overloads; the one @effect/sql-pg calls is (text, values, callback), and
// that is the one turned into a named statement. Every other form goes to pg's own as it is.
const query = pg.Client.prototype.query as (this: pg.Client, ...args: ReadonlyArray<unknown>) => unknown

Object.defineProperty(PreparingClient.prototype, "query", {
  writable: true,
  configurable: true,
  value: function (this: PreparingClient, config: unknown, values?: unknown, callback?: unknown): unknown {
    if (typeof config === "string" && Array.isArray(values) && values.length > 0 && typeof callback === "function") {
      const name = this.nameOf(config)
      if (name !== undefined) {
        const done = callback as Callback
        return query.call(this, { name, text: config, values }, (error: Error | null, result: pg.QueryResult) => {
          if (error !== null && unusable(error)) this.forget(config)
          done(error, result)
        })
      }
    }
    return query.call(this, config, values, callback)
  },
})
