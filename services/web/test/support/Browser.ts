/**
 * Debian's Chromium driven by playwright-core (no browser is ever downloaded). Without
 * /usr/bin/chromium the browser suites are skipped on a developer's machine and FAIL in CI
 * (CI=true), so a missing browser never passes silently.
 */
import { afterAll, describe, test } from "bun:test"
import { existsSync } from "node:fs"
import { type Browser, type BrowserContext, chromium } from "playwright-core"

export const executablePath = "/usr/bin/chromium"

export const launchOptions = {
  executablePath,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
}

export const launch = (): Promise<Browser> => chromium.launch(launchOptions)

/** `describe` with one browser for the file; a fresh context (its own cookies) per visitor. */
export const describeInBrowser = (name: string, body: (visitor: () => Promise<BrowserContext>) => void) => {
  if (!existsSync(executablePath)) {
    if (process.env["CI"] === "true") {
      describe(name, () => {
        test("Chromium is installed at /usr/bin/chromium", () => {
          throw new Error(`${executablePath} is missing: CI must install Debian's chromium (apt-get install chromium) for the browser suites`)
        })
      })
    } else {
      describe.skip(`${name} (install chromium at ${executablePath} to run)`, () => {})
    }
    return
  }
  let browser: Promise<Browser> | undefined
  // Closing Chromium takes seconds on a busy machine: more than a hook's default 5.
  afterAll(async () => {
    if (browser !== undefined) await (await browser).close()
  }, 30_000)
  describe(name, () =>
    body(async () => {
      browser ??= launch()
      const context = await (await browser).newContext({ viewport: { width: 1100, height: 900 } })
      context.setDefaultTimeout(10_000)
      return context
    }))
}
