// Joining a session: inside its window (from 10 minutes before the start) the meeting room's
// link; outside it, the API's reason and when the window opens.
import { expect, test } from "@playwright/test";

import { MENTOR_ZONE, bookByCard, checkA11y, screenshots, seedMentor, signInAsMentee, wallClock } from "./support";

test("a mentee joins inside the window and is told why not outside it", async ({ page, request }) => {
  // The mentor is open for one 30-minute session a week, starting in about 5 minutes.
  const start = new Date(Math.ceil((Date.now() + 5 * 60_000) / 60_000) * 60_000);
  const from = wallClock(start, MENTOR_ZONE);
  const to = wallClock(new Date(start.getTime() + 30 * 60_000), MENTOR_ZONE);
  test.skip(to.weekday !== from.weekday, "the session would cross midnight in Madrid");
  const room = `https://meet.example.org/kairos-${Date.now()}`;
  const mentor = await seedMentor(request, "Quick check-in", { duration_min: 30, meeting_url: room }, [
    { weekday: from.weekday, start: from.hhmm, end: to.hhmm },
  ]);
  await signInAsMentee(page, "Hal");
  await bookByCard(page, mentor.offeringId); // this week's: starting in minutes
  await bookByCard(page, mentor.offeringId, 1); // next week's: its window is far off

  await page.getByRole("link", { name: "My bookings", exact: true }).click();
  const sessions = page.getByRole("listitem").filter({ hasText: mentor.title });
  await expect(sessions).toHaveCount(2);
  const [soon, later] = [sessions.nth(0), sessions.nth(1)];

  await later.getByRole("button", { name: "Join the session" }).click();
  await expect(later.getByRole("alert")).toContainText(/too early|window opens/i);
  await expect(later.getByText(/^You can join from /)).toBeVisible();

  await soon.getByRole("button", { name: "Join the session" }).click();
  await expect(soon.getByText("You are in: your presence is recorded.")).toBeVisible();
  await expect(soon.getByRole("link", { name: "Open the meeting room" })).toHaveAttribute("href", room);
  await checkA11y(page, "join");
  await screenshots(page, "join");
});
