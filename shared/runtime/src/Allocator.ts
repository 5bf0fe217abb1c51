/**
 * How a service's process is started so that Bun's allocator keeps the memory it has freed
 * (decision 35). Bun allocates with mimalloc, which by default gives freed pages back to the system
 * a tenth of a second after they are freed (`madvise`); a service under load frees and takes back
 * the same pages many times a second, and each give-back flushes the page tables of every core. On
 * the two cores of this project's machines that was a fifth to a quarter of the CPU of a saga.
 *
 * mimalloc reads its settings from the environment once, as the process starts, so they are set by
 * whatever starts it: `./run`, the infra mode's start script, the test and benchmark harnesses
 * (`environment`), the image (`infra/docker/Dockerfile`). A value already set is kept: an operator
 * who wants the memory back sooner sets `MIMALLOC_PURGE_DELAY` (milliseconds) themselves.
 */

/** The variable mimalloc reads: how long freed memory waits before it is given back, in milliseconds. */
export const variable = "MIMALLOC_PURGE_DELAY"

/** Never given back: the process keeps what it has freed, and reuses it (its high-water mark stays resident). */
export const keep = "-1"

/**
 * The allocator's setting for a process started with `from`'s environment: its own value, else
 * `keep`. An empty value counts as unset, as `./run`'s `${…:--1}` reads it: mimalloc would read it
 * as a delay of 1 ms, the opposite of keeping.
 */
export const environment = (from: Readonly<Record<string, string | undefined>> = process.env): Record<string, string> => ({
  [variable]: from[variable] || keep,
})
