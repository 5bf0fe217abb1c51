/**
 * Takes the screenshots of the README (`docs/screenshots/*.png`): starts the whole system in this
 * process (as the tests do), walks a traveller and a staff member through the main pages in
 * Chromium, and saves one small PNG per page. Run it after changing a page:
 *
 *   bun services/web/scripts/screenshots.ts
 */
import { Effect, Logger, LogLevel } from "effect"
import { mkdirSync } from "node:fs"
import type { Page } from "playwright-core"
import { launch } from "../test/support/Browser.ts"
import * as Seed from "../test/support/Seed.ts"
import { start } from "../test/support/System.ts"

const folder = new URL("../docs/screenshots/", import.meta.url).pathname

const shoot = async (page: Page, name: string) => {
  await page.screenshot({ path: `${folder}${name}.png`, fullPage: false })
  console.log(`docs/screenshots/${name}.png`)
}

const walk = (system: Effect.Effect.Success<typeof start>) =>
  Effect.promise(async () => {
    mkdirSync(folder, { recursive: true })
    const browser = await launch()
    try {
      const context = await browser.newContext({ viewport: { width: 1000, height: 720 } })
      const page = await context.newPage()
      const flight = await Seed.flight(system, { date: "2026-12-01" })
      await Seed.flight(system, { date: "2026-12-01" })
      await page.goto(`${system.web}/?origin=LHR&destination=JFK&date=2026-12-01&passengers=2&cabin=economy`)
      await shoot(page, "search")
      await page.goto(`${system.web}/flights/${flight.id}/seats?cabin=economy&passengers=2`)
      await page.getByLabel("Seat 11A, free").check()
      await page.getByLabel("Seat 11B, free").check()
      await shoot(page, "seat-map")
      await page.getByRole("button", { name: "Continue with these seats" }).click()
      await page.locator("#firstName0").fill("Ada")
      await page.locator("#lastName0").fill("Lovelace")
      await page.locator("#firstName1").fill("George")
      await page.locator("#lastName1").fill("Byron")
      await page.getByLabel("Email").fill("ada@example.com")
      await page.getByLabel("Mobile phone (optional)").fill("+447700900123")
      await shoot(page, "passengers")
      await page.getByRole("button", { name: "Hold these seats" }).click()
      await page.locator('[data-status="pending"]').waitFor()
      await page.locator('input[value="tok_chargeDeclined"]').check()
      await page.getByRole("button", { name: "Pay", exact: true }).click()
      await page.locator(".flash.error").waitFor()
      await page.evaluate("window.scrollTo(0, 0)")
      await shoot(page, "hold-and-pay")
      await page.locator('input[value="tok_visa"]').check()
      await page.getByRole("button", { name: "Pay", exact: true }).click()
      await page.locator('[data-status="confirmed"]').waitFor()
      await page.waitForTimeout(2500)
      await page.reload()
      await shoot(page, "confirmed")
      const bookingUrl = page.url()

      const staff = await (await browser.newContext({ viewport: { width: 1000, height: 720 } })).newPage()
      await staff.goto(`${system.web}/sign-in`)
      await staff.getByLabel("Email").fill(Seed.ops.email)
      await staff.getByLabel("Password").fill(Seed.ops.password)
      await staff.getByRole("button", { name: "Sign in" }).click()
      await staff.goto(`${system.web}/ops/flights/new`)
      await staff.getByLabel("Flight number").fill("BA117")
      await staff.locator("#origin").fill("LHR")
      await staff.locator("#destination").fill("JFK")
      await staff.getByLabel("Departure (UTC)").fill("2026-12-02T10:00")
      await staff.getByLabel("Arrival (UTC)").fill("2026-12-02T18:00")
      await staff.getByLabel("Aircraft").fill("Boeing 777")
      await staff.locator("#cabin0").selectOption("business")
      await staff.locator("#rowsFrom0").fill("1")
      await staff.locator("#rowsTo0").fill("6")
      await staff.locator("#letters0").fill("AC")
      await staff.locator("#fare0").fill("2400.00")
      await staff.locator("#cabin1").selectOption("economy")
      await staff.locator("#rowsFrom1").fill("10")
      await staff.locator("#rowsTo1").fill("39")
      await staff.locator("#letters1").fill("ABCDEF")
      await staff.locator("#fare1").fill("450.00")
      await staff.locator("#fare1").blur()
      await staff.evaluate("window.scrollTo(0, 0)")
      await shoot(staff, "ops-schedule")
      await staff.goto(`${system.web}/ops/flights/${flight.id}`)
      await shoot(staff, "ops-flight")

      await page.getByRole("button", { name: /Cancel this booking/ }).click()
      await page.locator('[data-refund="succeeded"]').waitFor()
      await page.goto(bookingUrl)
      await shoot(page, "cancelled-refunded")
      await page.goto(`${system.web}/manage`)
      await shoot(page, "manage")

      // An admin's system page, with a message no service could read among the dead letters.
      await system.sendRaw("booking.created", "{ not json")
      const admin = await (await browser.newContext({ viewport: { width: 1000, height: 720 } })).newPage()
      await admin.goto(`${system.web}/sign-in`)
      await admin.getByLabel("Email").fill(Seed.admin.email)
      await admin.getByLabel("Password").fill(Seed.admin.password)
      await admin.getByRole("button", { name: "Sign in" }).click()
      await admin.goto(`${system.web}/ops/system`)
      await admin.locator('[data-dead-letters="flight"]').waitFor()
      await admin.locator('[data-bus="flight"]').scrollIntoViewIfNeeded()
      await shoot(admin, "ops-system")
    } finally {
      await browser.close()
    }
  })

await Effect.runPromise(Effect.scoped(Effect.flatMap(start, walk)).pipe(Logger.withMinimumLogLevel(LogLevel.None)))
