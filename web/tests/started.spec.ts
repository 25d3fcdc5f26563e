// A session that has begun (booked before the run by global-setup.ts): its mentee joins
// (the system marks them attended), its mentor corrects the mark, and both changes are in
// the audit trail the mentor reads.
import { readFileSync } from "node:fs";

import { expect, test } from "@playwright/test";

import { STARTED_FILE, type StartedSession } from "./global-setup";
import { anotherBrowser, checkA11y, screenshots, signInAs } from "./support";

test("a mentor corrects the attendance of a started session and reads its audit trail", async ({
  page,
  browser,
  baseURL,
}) => {
  const seeded = JSON.parse(readFileSync(STARTED_FILE, "utf8")) as StartedSession | null;
  test.skip(seeded === null, "the seeded session would cross midnight in Madrid");
  const s = seeded!;
  const wait = Date.parse(s.startsAt) - Date.now() + 1000;
  if (wait > 0) await page.waitForTimeout(wait); // the mentor may mark it once it began

  await signInAs(page, "mentee", s.mentee.name, s.mentee.email);
  await page.getByRole("link", { name: "My bookings", exact: true }).click();
  const mine = page.getByRole("listitem").filter({ hasText: s.title });
  await mine.getByRole("button", { name: "Join the session" }).click();
  await expect(mine.getByText("You are in: your presence is recorded.")).toBeVisible();

  const mentor = await anotherBrowser(browser, baseURL);
  await signInAs(mentor, "mentor", s.mentor.name, s.mentor.email);
  await mentor.getByRole("link", { name: "My schedule" }).click();
  const session = mentor.getByRole("list", { name: "Booked sessions" }).getByRole("listitem").filter({ hasText: s.title });
  await session.getByRole("button", { name: "Show the audit trail" }).click();
  const trail = session.getByRole("list", { name: "Audit trail" }).getByRole("listitem");
  await expect(trail).toHaveCount(1);
  await expect(trail.first()).toContainText("unmarked → attended by system (join)");

  await session.getByRole("button", { name: "Mark absent" }).click();
  await expect(session.getByText("Marked absent.")).toBeVisible();
  await expect(trail).toHaveCount(2);
  await expect(trail.nth(1)).toContainText("attended → absent by mentor (mentor)");
  await checkA11y(mentor, "attendance trail");
  await screenshots(mentor, "attendance");
  await mentor.context().close();
});
