// What the browser tests share: a mentor seeded through the public API (as the mentor's
// own frontend would), signing in through the local sign-in page, accessibility checks
// with axe-core, and screenshots at phone and desktop widths.
import AxeBuilder from "@axe-core/playwright";
import { type APIRequestContext, type Browser, type Page, expect } from "@playwright/test";

export const MENTOR_ZONE = "Europe/Madrid";
export const VIEWER_ZONE = "America/New_York";
const SHOTS = `${process.env.KAIROS_WEB_REPORTS ?? "../reports/web"}/screenshots`;

export interface Mentor {
  name: string;
  email: string;
  providerId: string;
  offeringId: string;
  title: string;
}

function unique(): string {
  return Math.random().toString(36).slice(2, 8);
}

async function ok<T>(what: string, resp: Awaited<ReturnType<APIRequestContext["post"]>>): Promise<T> {
  expect(resp.ok(), `${what}: ${resp.status()} ${await resp.text()}`).toBeTruthy();
  return (resp.status() === 204 ? null : await resp.json()) as T;
}

/** A mentor in Europe/Madrid, open 08:00-20:00 every day (or `weekly`), with a one-time
 * offering of one seat (or as `extra` says). Named "Aalto ..." so that it is listed first (providers are listed by name). */
export async function seedMentor(
  request: APIRequestContext,
  title = "Career mentoring",
  extra: Record<string, unknown> = {},
  weekly: { weekday: number; start: string; end: string }[] = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({
    weekday,
    start: "08:00",
    end: "20:00",
  })),
): Promise<Mentor> {
  const id = unique();
  const name = `Aalto ${id}`;
  const email = `mentor-${id}@example.org`;
  const { token } = await ok<{ token: string }>(
    "mentor token",
    await request.post("local/tokens", { data: { role: "mentor", name, email } }),
  );
  const headers = { Authorization: `Bearer ${token}` };
  const provider = await ok<{ provider_id: string }>(
    "provider",
    await request.post("api/booking/providers", {
      headers,
      data: { display_name: name, email, time_zone: MENTOR_ZONE },
    }),
  );
  await ok("availability", await request.put(`api/booking/providers/${provider.provider_id}/availability`, { headers, data: { weekly } }));
  const offering = await ok<{ offering_id: string }>(
    "offering",
    await request.post(`api/booking/providers/${provider.provider_id}/offerings`, {
      headers,
      data: { title, duration_min: 60, price_minor: 4500, currency: "EUR", capacity: 1, ...extra },
    }),
  );
  return { name, email, providerId: provider.provider_id, offeringId: offering.offering_id, title };
}

/** Sign in through the sign-in page as a given person (the same email: the same user). */
export async function signInAs(page: Page, role: "mentee" | "mentor" | "admin", name: string, email: string): Promise<void> {
  await page.goto("signin");
  await page.getByRole("radio", { name: role }).check();
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("button", { name: `Sign out ${name}` })).toBeVisible();
}

/** Sign in as a new mentee through the sign-in page. */
export async function signInAsMentee(page: Page, first = "Mia"): Promise<string> {
  const name = `${first} ${unique()}`;
  await page.goto("signin");
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await checkA11y(page, "sign-in");
  await page.getByRole("radio", { name: "mentee" }).check();
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(`${name.replace(" ", ".").toLowerCase()}@example.org`);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("button", { name: `Sign out ${name}` })).toBeVisible();
  return name;
}

/** axe-core over the page as it is: no serious or critical violation. */
export async function checkA11y(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(
    bad.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`),
    `accessibility of ${what}`,
  ).toEqual([]);
}

/** Full-page screenshots of the page at desktop and phone widths. */
export async function screenshots(page: Page, name: string): Promise<void> {
  const desktop = page.viewportSize() ?? { width: 1280, height: 800 };
  await page.screenshot({ path: `${SHOTS}/${name}-desktop.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${SHOTS}/${name}-phone.png`, fullPage: true });
  await page.setViewportSize(desktop);
}

/** YYYY-MM-DD of an instant in a zone. */
export function dateIn(at: number | string, zone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(new Date(at));
}

/** "HH:MM AM" of an instant in a zone, as the app shows it (en-US). */
export function clock(iso: string, zone: string): string {
  return new Intl.DateTimeFormat("en-US", { hour: "2-digit", minute: "2-digit", timeZone: zone }).format(new Date(iso));
}

/** Stripe's test cards: approved, and declined (a generic decline). */
export const CARD_OK = "4242424242424242";
export const CARD_DECLINED = "4000000000000002";

/** Type a card into Stripe.js's card element (localstripe's stand-in on the local stack:
 * number, month, year, CVC and postal code fields) and press the button named `pay`. */
export async function payByCard(page: Page, number: string, pay: RegExp = /^Pay /): Promise<void> {
  const form = page.getByRole("group", { name: "Card" });
  await form.getByPlaceholder("number").fill(number);
  await form.getByPlaceholder("exp_month").fill("12");
  await form.getByPlaceholder("exp_year").fill("34");
  await form.getByPlaceholder("cvc").fill("123");
  await form.getByPlaceholder("postal_code").fill("28001");
  await page.getByRole("button", { name: pay }).click();
}

/** Another person's browser (a context of its own, the configured viewer zone and URL). */
export async function anotherBrowser(browser: Browser, baseURL: string | undefined): Promise<Page> {
  const context = await browser.newContext({
    baseURL,
    timezoneId: VIEWER_ZONE,
    locale: "en-US",
    viewport: { width: 1280, height: 800 },
  });
  return context.newPage();
}

/** The signed-in person's token, as the app keeps it (for reading what the API says). */
export async function tokenOf(page: Page): Promise<string> {
  return page.evaluate(() => JSON.parse(localStorage.getItem("kairos.session") ?? "{}").token as string);
}

/** GET through the gateway as the person signed in on `page`. */
export async function apiGet<T>(request: APIRequestContext, page: Page, path: string): Promise<T> {
  const resp = await request.get(path, { headers: { Authorization: `Bearer ${await tokenOf(page)}` } });
  expect(resp.ok(), `${path}: ${resp.status()} ${await resp.text()}`).toBeTruthy();
  return (await resp.json()) as T;
}

/** On the offering's page: hold the first free slot of the week `weeksAhead` weeks on, pay
 * by card and wait for the confirmation. Answers the slot's label. */
export async function bookByCard(page: Page, offeringId: string, weeksAhead = 0): Promise<string> {
  await page.goto(`offerings/${offeringId}`);
  for (let i = 0; i < weeksAhead; i++) await page.getByRole("button", { name: "Later" }).click();
  const slot = page.getByRole("button", { name: /free$/ }).first();
  const label = (await slot.getAttribute("aria-label"))!;
  await slot.click();
  await expect(page.getByText("Live updates: connected")).toBeVisible();
  await payByCard(page, CARD_OK);
  await expect(page.getByText("Confirmed: your session is booked.")).toBeVisible();
  return label;
}

/** An instant's weekday (0 = Monday) and HH:MM in a zone. */
export function wallClock(at: Date, zone: string): { weekday: number; hhmm: string } {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: zone,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  const weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(get("weekday"));
  return { weekday, hhmm: `${get("hour")}:${get("minute")}` };
}
