// Calendars: a private ICS feed address to copy (it serves the mentee's sessions; revoked,
// it answers nothing), and a CalDAV calendar connected (tested first: a wrong address is
// refused with the API's problem), shown with its health, tested again, disconnected.
import { expect, test } from "@playwright/test";

import {
  anotherBrowser,
  apiGet,
  bookByCard,
  checkA11y,
  screenshots,
  seedMentor,
  signInAs,
  signInAsMentee,
} from "./support";

test("a mentee copies an ICS feed address and connects a CalDAV calendar", async ({ page, context, request }) => {
  const caldav = process.env.KAIROS_CALDAV_URL;
  test.skip(!caldav, "KAIROS_CALDAV_URL (the stack's CalDAV server) is not given");
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const mentor = await seedMentor(request, "Calendar check");
  const name = await signInAsMentee(page, "Max");
  await bookByCard(page, mentor.offeringId, 1);

  await page.getByRole("link", { name: "Calendars" }).click();
  await expect(page.getByRole("heading", { name: "Calendars", exact: true })).toBeVisible();
  await page.getByRole("button", { name: "Make a feed address" }).click();
  const address = page.getByLabel("Your feed's address");
  const url = await address.inputValue();
  expect(url).toMatch(/\/api\/calendar\/feeds\/.+\.ics$/);
  await page.getByRole("button", { name: "Copy the address" }).click();
  await expect(page.getByText("Copied.")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toEqual(url);
  await expect.poll(async () => (await request.get(url)).text(), { timeout: 20_000 }).toContain(mentor.title);

  // A CalDAV calendar on the stack's Radicale (any password works there).
  const user = name.replace(" ", "-").toLowerCase();
  const calendarUrl = `${caldav!.replace(/\/$/, "")}/${user}/kairos/`;
  const made = await request.fetch(calendarUrl, {
    method: "MKCALENDAR",
    headers: { Authorization: `Basic ${Buffer.from(`${user}:pw`).toString("base64")}` },
  });
  expect(made.status()).toBe(201);
  const form = page.getByRole("group").or(page.locator("form")).filter({ hasText: "Connect a CalDAV calendar" });
  await form.getByLabel("Calendar address").fill(`${caldav!.replace(/\/$/, "")}/nobody-here/none/`);
  await form.getByLabel("User name").fill(user);
  await form.getByLabel("Password").fill("pw");
  await form.getByRole("button", { name: "Connect" }).click();
  await expect(form.getByRole("alert")).toBeVisible(); // tested first: refused, as the API says
  await form.getByLabel("Calendar address").fill(calendarUrl);
  await form.getByLabel("Password").fill("pw");
  await form.getByRole("button", { name: "Connect" }).click();
  const connected = page.getByRole("list", { name: "Connected calendars" }).getByRole("listitem");
  await expect(connected).toHaveCount(1);
  await expect(connected).toContainText("active");
  await connected.getByRole("button", { name: "Test it" }).click();
  await expect(connected.getByText("The test worked.")).toBeVisible();
  await checkA11y(page, "calendars");
  await screenshots(page, "calendars");

  await page.getByRole("button", { name: "Revoke this feed" }).click();
  await expect(page.getByText("The feed is revoked")).toBeVisible();
  expect((await request.get(url)).status()).toBe(404);
  await connected.getByRole("button", { name: "Disconnect" }).click();
  await expect(page.getByText("No calendar connected.")).toBeVisible();
});

test("a mentor connects a CalDAV calendar, sees a booked session written to it, tests and disconnects it", async ({
  page,
  browser,
  request,
  baseURL,
}) => {
  const caldav = process.env.KAIROS_CALDAV_URL;
  test.skip(!caldav, "KAIROS_CALDAV_URL (the stack's CalDAV server) is not given");
  const mentor = await seedMentor(request, "Mentor calendar check");
  await signInAs(page, "mentor", mentor.name, mentor.email);
  await page.getByRole("link", { name: "Calendars" }).click();
  await expect(page.getByRole("heading", { name: "Calendars", exact: true })).toBeVisible();
  await expect(page.getByText("No calendar connected.")).toBeVisible();

  // The mentor's own calendar on the stack's Radicale (any password works there).
  const user = mentor.email.split("@")[0];
  const calendarUrl = `${caldav!.replace(/\/$/, "")}/${user}/sessions/`;
  const basic = { Authorization: `Basic ${Buffer.from(`${user}:pw`).toString("base64")}` };
  expect((await request.fetch(calendarUrl, { method: "MKCALENDAR", headers: basic })).status()).toBe(201);
  const form = page.locator("form").filter({ hasText: "Connect a CalDAV calendar" });
  await form.getByLabel("Calendar address").fill(calendarUrl);
  await form.getByLabel("User name").fill(user);
  await form.getByLabel("Password").fill("pw");
  await form.getByRole("button", { name: "Connect" }).click();
  const connected = page.getByRole("list", { name: "Connected calendars" }).getByRole("listitem");
  await expect(connected).toHaveCount(1);
  await expect(connected).toContainText("active");
  await expect(connected).toContainText("0 failures in a row");

  // A mentee books one of the mentor's sessions: it is written to the mentor's calendar,
  // and the connection's health says when (the page read again until it does).
  const mentee = await anotherBrowser(browser, baseURL);
  await signInAsMentee(mentee, "Ines");
  await bookByCard(mentee, mentor.offeringId, 1);
  const mine = await apiGet<{ items: { booking_id: string; offering_title: string }[] }>(request, mentee, "api/booking/me/bookings");
  const booking = mine.items.find((b) => b.offering_title === mentor.title)!;
  await expect
    .poll(async () => {
      const event = await request.get(`${calendarUrl}${booking.booking_id}@kairos.ics`, { headers: basic });
      return event.ok() ? await event.text() : `${event.status()}`;
    }, { timeout: 30_000 })
    .toContain(`SUMMARY:${mentor.title}`);
  await expect(async () => {
    await page.reload();
    await expect(connected).toContainText("last written", { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await expect(connected).toContainText("active");

  await connected.getByRole("button", { name: "Test it" }).click();
  await expect(connected.getByText("The test worked.")).toBeVisible();
  await checkA11y(page, "mentor calendars");
  await screenshots(page, "calendars-mentor");

  await connected.getByRole("button", { name: "Disconnect" }).click();
  await expect(page.getByText("No calendar connected.")).toBeVisible();
  await mentee.context().close();
});
