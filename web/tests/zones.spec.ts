// Times across a daylight-saving change: the viewer (America/New_York) and the mentor
// (Europe/Madrid) change their clocks on different dates, so the same 10:00 in Madrid is
// shown an hour apart on either side of the viewer's change, the mentor's time unmoved.
import { expect, test } from "@playwright/test";

import { MENTOR_ZONE, VIEWER_ZONE, checkA11y, clock, dateIn, screenshots, seedMentor, signInAsMentee, wallClock } from "./support";

const DAY = 86_400_000;

/** The instant that is `hhmm` on `date` (YYYY-MM-DD) in `zone` (zones are whole hours here). */
function at(date: string, hhmm: string, zone: string): Date {
  let guess = new Date(`${date}T${hhmm}:00Z`);
  for (let i = 0; i < 3; i++) {
    const seen = wallClock(guess, zone).hhmm;
    const diff = (Number(seen.slice(0, 2)) - Number(hhmm.slice(0, 2)) + 36) % 24 - 12;
    if (diff === 0) break;
    guess = new Date(guess.getTime() - diff * 3600_000);
  }
  return guess;
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

test("times on both sides of a daylight-saving change, in the viewer's zone and the mentor's", async ({
  page,
  request,
}) => {
  // The first two days (from the day after tomorrow) on which 10:00 in Madrid is another
  // hour in New York than the day before: the viewer's change and the mentor's, whichever
  // comes first (their dates differ by one to three weeks).
  const nyHour = (date: string) => clock(at(date, "10:00", MENTOR_ZONE).toISOString(), VIEWER_ZONE);
  const changes: string[] = [];
  for (let d = 3; d < 365 && changes.length < 2; d++) {
    const today = isoDay(new Date(Date.now() + d * DAY));
    if (nyHour(today) !== nyHour(isoDay(new Date(Date.now() + (d - 1) * DAY)))) changes.push(today);
  }
  expect(changes, "two daylight-saving changes within a year").toHaveLength(2);
  const weekly = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start: "10:00", end: "11:00" }));
  const mentor = await seedMentor(request, "Across the change", { horizon_days: 365 }, weekly);
  await signInAsMentee(page, "Ida");

  for (const change of changes) {
    const noon = Date.parse(`${change}T12:00:00Z`);
    await page.goto(`offerings/${mentor.offeringId}?from=${isoDay(new Date(noon - 3 * DAY))}`);
    await expect(page.getByText(`Times are shown in your time zone, ${VIEWER_ZONE}`)).toBeVisible();
    const shown = [isoDay(new Date(noon - DAY)), change].map((date) => {
      const instant = new Date(at(date, "10:00", MENTOR_ZONE));
      const day = new Intl.DateTimeFormat("en-US", { weekday: "long", month: "long", day: "numeric", timeZone: VIEWER_ZONE }).format(instant);
      return { day, viewer: clock(instant.toISOString(), VIEWER_ZONE) };
    });
    expect(shown[0].viewer, `the viewer's hour moves on ${change}`).not.toEqual(shown[1].viewer);
    for (const s of shown) {
      // The viewer's hour moves; the mentor's stays 10:00 in Madrid.
      await expect(page.getByRole("button", { name: `${s.day}, ${s.viewer}, 10:00 AM ${MENTOR_ZONE}, free` })).toBeVisible();
    }
  }
  await checkA11y(page, "slots across a DST change");
  await screenshots(page, "dst");
});

test.describe("a viewer a day ahead of the mentor", () => {
  const AUCKLAND = "Pacific/Auckland";
  test.use({ timezoneId: AUCKLAND });

  test("the mentor's time says its day when it is not the viewer's", async ({ page, request }) => {
    // 19:00 in Madrid is the next morning in Auckland whatever the season (10 to 12 hours on).
    const weekly = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start: "19:00", end: "20:00" }));
    const mentor = await seedMentor(request, "Across the date line", {}, weekly);
    const from = isoDay(new Date(Date.now() + 2 * DAY));
    const slots = await request.get(`api/booking/offerings/${mentor.offeringId}/slots`, {
      params: { from, to: isoDay(new Date(Date.now() + 3 * DAY)) },
    });
    const first = ((await slots.json()).slots as { starts_at: string }[])[0].starts_at;
    const format = (zone: string, options: Intl.DateTimeFormatOptions) =>
      new Intl.DateTimeFormat("en-US", { ...options, timeZone: zone }).format(new Date(first));
    const viewerDay = format(AUCKLAND, { weekday: "long", month: "long", day: "numeric" });
    const mentorDay = format(MENTOR_ZONE, { weekday: "short", month: "short", day: "numeric" });
    const viewerDate = dateIn(first, AUCKLAND);
    expect(dateIn(first, MENTOR_ZONE), "another day in Madrid").not.toEqual(viewerDate);

    await signInAsMentee(page, "Aru");
    await page.goto(`offerings/${mentor.offeringId}?from=${viewerDate}`);
    await expect(page.getByText(`Times are shown in your time zone, ${AUCKLAND}`)).toBeVisible();
    const mentorTime = `${clock(first, MENTOR_ZONE)} (${mentorDay})`;
    const slot = page.getByRole("button", { name: `${viewerDay}, ${clock(first, AUCKLAND)}, ${mentorTime} ${MENTOR_ZONE}, free` });
    await expect(slot).toBeVisible();
    await slot.click();
    // The hold names Madrid's day beside the viewer's.
    await expect(page.getByText(`${mentorTime} in ${MENTOR_ZONE}`)).toBeVisible();
    await screenshots(page, "hold across the date line");
  });
});
