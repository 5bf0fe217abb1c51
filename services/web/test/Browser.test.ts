/**
 * The site in a real browser (Chromium, headless) against the whole system behind the real gateway:
 * the scenarios of DESIGN §10 a traveller and airline staff walk, by mouse and keyboard.
 */
import { expect, test } from "bun:test"
import type { BrowserContext, Page } from "playwright-core"
import { describeInBrowser } from "./support/Browser.ts"
import * as Seed from "./support/Seed.ts"
import { lifetime } from "./support/System.ts"

const system = lifetime()
const slow = 60_000

/** Searches, picks `seats` on the map (the first by keyboard), names the party: the booking's page. */
const bookTwoSeats = async (page: Page, web: string, flight: { readonly number: string; readonly date: string }, seats: readonly [string, string], lastName: string) => {
  await page.goto(`${web}/`)
  await page.getByLabel("From").fill("lhr")
  await page.getByLabel("To", { exact: true }).fill("JFK")
  await page.getByLabel("Date").fill(flight.date)
  await page.getByLabel("Passengers").selectOption("2")
  await page.getByRole("button", { name: "Search" }).click()
  await page.getByRole("link", { name: `Choose economy seats on ${flight.number}` }).click()
  await page.getByLabel(`Seat ${seats[0]}, free`).focus()
  await page.keyboard.press("Space")
  await page.getByLabel(`Seat ${seats[1]}, free`).check()
  await page.getByRole("button", { name: "Continue with these seats" }).click()
  await page.locator("#firstName0").fill("Ada")
  await page.locator("#lastName0").fill(lastName)
  await page.locator("#firstName1").fill("George")
  await page.locator("#lastName1").fill("Byron")
  await page.getByLabel("Email").fill(`ada-${crypto.randomUUID().slice(0, 8)}@example.com`)
  await page.getByRole("button", { name: "Hold these seats" }).click()
  await page.locator('[data-status="pending"]').waitFor()
  return { url: page.url(), reference: (await page.locator("[data-reference]").getAttribute("data-reference"))! }
}

const pay = async (page: Page, card: string) => {
  await page.locator(`input[name="card"][value="${card}"]`).check()
  await page.getByRole("button", { name: "Pay", exact: true }).click()
}

const signUp = async (context: BrowserContext, web: string, name: string) => {
  const page = await context.newPage()
  await page.goto(`${web}/sign-up`)
  await page.getByLabel("Your name").fill(name)
  await page.getByLabel("Email").fill(`${name.split(" ")[0]!.toLowerCase()}-${crypto.randomUUID().slice(0, 8)}@example.com`)
  await page.getByLabel("Password").fill("a-long-enough-password")
  await page.getByRole("button", { name: "Create account" }).click()
  await page.getByRole("heading", { name: "My trips" }).waitFor()
  return page
}

const signIn = async (context: BrowserContext, web: string, account: { readonly email: string; readonly password: string }, path = "/sign-in") => {
  const page = await context.newPage()
  await page.goto(`${web}${path}`)
  await page.getByLabel("Email").fill(account.email)
  await page.getByLabel("Password").fill(account.password)
  await page.getByRole("button", { name: "Sign in" }).click()
  return page
}

describeInBrowser("in a browser", (visitor) => {
  test("a guest picks two seats, is declined, pays with tok_visa and sees confirmed without reloading; then manages it by reference and cancels, and sees the refund", async () => {
    const sys = await system()
    const flight = await Seed.flight(sys)
    const page = await (await visitor()).newPage()
    // A Content-Security-Policy violation or a script error would show here.
    const errors: Array<string> = []
    page.on("console", (message) => message.type() === "error" && errors.push(message.text()))
    page.on("pageerror", (error) => errors.push(error.message))
    const booked = await bookTwoSeats(page, sys.web, flight, ["11A", "11B"], "Lovelace")
    expect(await page.locator("main").textContent()).toContain("seat 11A")
    expect(await page.locator("[data-countdown]").textContent()).toMatch(/^ \((14|15):\d\d left\)$/)
    await pay(page, "tok_chargeDeclined")
    await page.locator(".flash.error").waitFor()
    expect(await page.locator(".flash").textContent()).toContain("Payment failed: the card was declined")
    expect(await page.locator("[data-status]").getAttribute("data-status")).toBe("pending")
    // htmx posts the payment and swaps the answer in; the status then follows by polling: no page load.
    let loads = 0
    page.on("load", () => loads++)
    await pay(page, "tok_visa")
    await page.locator('[data-status="confirmed"]').waitFor()
    expect(loads).toBe(0)
    expect(await page.locator("[data-reference]").textContent()).toBe(booked.reference)
    expect(await page.locator('form[action$="/pay"]').count()).toBe(0)
    expect(JSON.stringify(errors)).toBe("[]")

    const later = await (await visitor()).newPage()
    await later.goto(`${sys.web}/manage`)
    await later.getByLabel("Booking reference").fill(booked.reference)
    await later.getByLabel("Last name").fill("LOVELACE")
    await later.getByRole("button", { name: "Find booking" }).click()
    await later.locator('[data-status="confirmed"]').waitFor()
    expect(later.url()).toBe(booked.url)
    await later.getByRole("button", { name: /Cancel this booking/ }).click()
    await later.locator('[data-status="cancelled"]').waitFor()
    await later.locator('[data-refund="succeeded"]').waitFor()
    expect(await later.locator('[data-refund="succeeded"]').textContent()).toBe("Refunded: 900.00 GBP")
  }, slow)

  test("a customer signs up, books, finds it under My trips; another customer cannot open it by its address", async () => {
    const sys = await system()
    const flight = await Seed.flight(sys)
    const ada = await signUp(await visitor(), sys.web, "Ada Lovelace")
    const booked = await bookTwoSeats(ada, sys.web, flight, ["12A", "12B"], "Lovelace")
    await ada.getByRole("link", { name: "My trips" }).click()
    await ada.getByRole("link", { name: booked.reference }).click()
    expect(ada.url()).toBe(booked.url)

    const bob = await signUp(await visitor(), sys.web, "Bob Other")
    const response = await bob.goto(booked.url)
    expect(response?.status()).toBe(404)
    expect(await bob.locator("main").textContent()).toContain("No booking matches")
    expect(await bob.locator("main").textContent()).not.toContain(booked.reference)
  }, slow)

  test("ops signs in, schedules a flight, sees a booking on it, cancels the flight; the traveller's page shows it cancelled and refunded", async () => {
    const sys = await system()
    // Opening the console anonymously goes by the sign-in page and comes back.
    const ops = await signIn(await visitor(), sys.web, Seed.ops, "/ops/flights/new")
    await ops.getByRole("heading", { name: "Schedule a flight" }).waitFor()
    const number = Seed.flightNumber()
    const date = Seed.day()
    await ops.getByLabel("Flight number").fill(number)
    await ops.locator("#origin").fill("LHR")
    await ops.locator("#destination").fill("JFK")
    await ops.getByLabel("Departure (UTC)").fill(`${date}T10:00`)
    await ops.getByLabel("Arrival (UTC)").fill(`${date}T18:00`)
    await ops.getByLabel("Aircraft").fill("Boeing 777")
    await ops.locator("#cabin0").selectOption("economy")
    await ops.locator("#rowsFrom0").fill("10")
    await ops.locator("#rowsTo0").fill("12")
    await ops.locator("#letters0").fill("ABC")
    await ops.locator("#fare0").fill("450")
    await ops.getByRole("button", { name: "Schedule flight" }).click()
    await ops.locator('[data-flight-status="scheduled"]').waitFor()
    const flightUrl = ops.url()

    const traveller = await (await visitor()).newPage()
    await Seed.until(async () => (await fetch(`${sys.api}/api/seatmaps/${flightUrl.split("/").pop()}?cabin=economy`)).status === 200)
    const booked = await bookTwoSeats(traveller, sys.web, { number, date }, ["10A", "10B"], "Hopper")
    await pay(traveller, "tok_visa")
    await traveller.locator('[data-status="confirmed"]').waitFor()

    await Seed.until(async () => {
      await ops.goto(flightUrl)
      return (await ops.getByRole("link", { name: booked.reference }).count()) === 1
    })
    await ops.getByLabel("Reason", { exact: true }).fill("strike")
    await ops.getByLabel(`Yes, cancel ${number}`).check()
    await ops.getByRole("button", { name: "Cancel flight" }).click()
    await ops.locator('[data-flight-status="cancelled"]').waitFor()

    // The traveller's page, open all along, learns it by itself (a confirmed booking is asked for news now and then).
    let loads = 0
    traveller.on("load", () => loads++)
    await traveller.locator('[data-refund="succeeded"]').waitFor({ timeout: 30_000 })
    expect(loads).toBe(0)
    expect(await traveller.locator("[data-status]").getAttribute("data-status")).toBe("cancelled")
    expect(await traveller.locator(".status").textContent()).toContain("the flight was cancelled")
    expect(await traveller.locator('[data-refund="succeeded"]').textContent()).toBe("Refunded: 900.00 GBP")
  }, slow)

  test("ops lists a day's flights without a route: a cancelled flight is still listed, with its status and reason", async () => {
    const sys = await system()
    const cancelled = await Seed.flight(sys)
    const kept = await Seed.flight(sys, { date: cancelled.date, origin: "CDG", destination: "FCO" })
    const ops = await signIn(await visitor(), sys.web, Seed.ops, `/ops/flights/${cancelled.id}`)
    await ops.getByLabel("Reason", { exact: true }).fill("strike")
    await ops.getByLabel(`Yes, cancel ${cancelled.number}`).check()
    await ops.getByRole("button", { name: "Cancel flight" }).click()
    await ops.locator('[data-flight-status="cancelled"]').waitFor()

    await ops.goto(`${sys.web}/ops`)
    await ops.getByLabel("Day (UTC)").fill(cancelled.date)
    await ops.getByRole("button", { name: "List flights" }).click()
    const row = ops.locator(`tr[data-flight="${cancelled.id}"]`)
    await row.waitFor()
    expect(await row.locator("[data-flight-status]").getAttribute("data-flight-status")).toBe("cancelled")
    expect(await row.locator("[data-flight-status]").textContent()).toBe("Cancelled: strike")
    expect(await row.getByRole("link", { name: cancelled.number }).count()).toBe(1)
    expect(await ops.locator(`tr[data-flight="${kept.id}"] [data-flight-status]`).textContent()).toBe("Scheduled")
  }, slow)

  test("an anonymous visitor is sent to sign in and a customer refused when they open /ops", async () => {
    const sys = await system()
    const anonymous = await (await visitor()).newPage()
    await anonymous.goto(`${sys.web}/ops`)
    expect(new URL(anonymous.url()).pathname).toBe("/sign-in")
    const customer = await signUp(await visitor(), sys.web, "Cy Customer")
    const response = await customer.goto(`${sys.web}/ops`)
    expect(response?.status()).toBe(403)
    expect(await customer.getByRole("heading", { level: 1 }).textContent()).toBe("Not allowed")
  }, slow)

  test("a form posted without its CSRF token is refused", async () => {
    const sys = await system()
    const page = await (await visitor()).newPage()
    await page.goto(`${sys.web}/manage`)
    await page.locator('input[name="_csrf"]').evaluate((input) => input.remove())
    await page.getByLabel("Booking reference").fill("X7K2QP")
    await page.getByLabel("Last name").fill("Lovelace")
    const [response] = await Promise.all([page.waitForResponse((answer) => answer.request().method() === "POST"), page.getByRole("button", { name: "Find booking" }).click()])
    expect(response.status()).toBe(403)
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("This form has expired")
  }, slow)

  test("bad input in the forms shows a message at the field and changes nothing", async () => {
    const sys = await system()
    const page = await (await visitor()).newPage()
    await page.goto(`${sys.web}/`)
    await page.getByLabel("From").fill("LHR")
    await page.getByLabel("To", { exact: true }).fill("LHR")
    await page.getByRole("button", { name: "Search" }).click()
    expect(await page.locator("#destination-error").textContent()).toBe("The destination must differ from the origin")
    expect(await page.locator("#destination").getAttribute("aria-invalid")).toBe("true")
    expect(await page.locator("#date-error").textContent()).toContain("Enter a date")

    await page.goto(`${sys.web}/manage`)
    await page.getByLabel("Booking reference").fill("nope!")
    await page.getByRole("button", { name: "Find booking" }).click()
    expect(await page.locator("#error-summary").textContent()).toContain("A booking reference is six letters and digits")
    expect(await page.evaluate("document.activeElement?.id")).toBe("error-summary")
    await page.getByRole("link", { name: "Enter the last name of a passenger" }).click()
    expect(await page.evaluate("document.activeElement?.id")).toBe("lastName")

    const flight = await Seed.flight(sys)
    await page.goto(`${sys.web}/flights/${flight.id}/passengers?cabin=economy&passengers=1&seat=10A`)
    await page.getByLabel("Email").fill("not-an-email")
    await page.getByRole("button", { name: "Hold these seats" }).click()
    expect(await page.locator("#email-error").textContent()).toContain("Enter an email address like")
    expect(await page.locator("#firstName0-error").textContent()).toContain("Enter the first name of passenger 1")
    expect((await Seed.seats(sys, flight.id))["10A"]).toBe("free")

    const ops = await signIn(await visitor(), sys.web, Seed.ops)
    await ops.goto(`${sys.web}/ops/flights/new`)
    await ops.getByLabel("Flight number").fill("??")
    await ops.getByRole("button", { name: "Schedule flight" }).click()
    expect(await ops.locator("#flightNumber-error").textContent()).toContain("Enter a flight number")
    expect(await ops.locator("#cabin0-error").textContent()).toContain("Give at least one cabin")
  }, slow)
})
