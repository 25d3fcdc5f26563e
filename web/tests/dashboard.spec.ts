// The mentor's subscribers dashboard, on a stack whose attendance lives two days ahead
// (tests-e2e/tests/test_attendance.py): a mentee subscribes to a programme whose next two
// sessions are within a day or so; to attendance they are over and missed, so its sweep marks both
// absent and the mentee is reprobated. The mentor corrects one mark (the dashboard's
// absences change) and reactivates the mentee (active again, the sessions back).
import { expect, test } from "@playwright/test";

import {
  CARD_OK,
  MENTOR_ZONE,
  anotherBrowser,
  checkA11y,
  payByCard,
  screenshots,
  seedMentor,
  signInAs,
  signInAsMentee,
  wallClock,
} from "./support";

test("@ahead-clock a mentor marks attendance, sees the dashboard change and reactivates a reprobated mentee", async ({
  page,
  browser,
  baseURL,
  request,
}) => {
  // Two sessions (one a day at most) still ahead for booking, over for attendance (two days
  // ahead): today at 23:00 and tomorrow at 10:00 in Madrid, or after 22:00 there, tomorrow's
  // and the day after's at 10:00.
  const now = wallClock(new Date(), MENTOR_ZONE);
  const day = (n: number) => wallClock(new Date(Date.now() + n * 86_400_000), MENTOR_ZONE).weekday;
  const pattern =
    now.hhmm < "22:00"
      ? [{ weekday: now.weekday, time: "23:00" }, { weekday: day(1), time: "10:00" }]
      : [{ weekday: day(1), time: "10:00" }, { weekday: day(2), time: "10:00" }];
  const mentor = await seedMentor(request, "Missed programme", { kind: "recurring", pattern, duration_min: 30, price_minor: 8000 });

  const mentee = await anotherBrowser(browser, baseURL);
  await signInAsMentee(mentee, "Lou");
  await mentee.goto(`programmes/${mentor.offeringId}`);
  await payByCard(mentee, CARD_OK, /^Subscribe for /);
  await expect(mentee.getByRole("heading", { name: "My programmes" })).toBeVisible();
  await expect(mentee.getByRole("list", { name: `Sessions of ${mentor.title}` }).getByRole("listitem").first()).toBeVisible();

  await signInAs(page, "mentor", mentor.name, mentor.email);
  await page.getByRole("link", { name: "My schedule" }).click();
  const row = page.getByRole("table", { name: "Subscribers" }).getByRole("row").nth(1);
  const cells = row.getByRole("cell");
  // The sweep marks both missed sessions absent: reprobated.
  await expect(row).toContainText("reprobated", { timeout: 60_000 });
  await expect(cells.nth(1)).toHaveText("2"); // absences
  await checkA11y(page, "subscribers dashboard");
  await screenshots(page, "dashboard");

  // The mentor corrects the first session: attended. The dashboard changes.
  const first = page.getByRole("list", { name: "Booked sessions" }).getByRole("listitem").filter({ hasText: mentor.title }).first();
  await first.getByRole("button", { name: "Mark attended" }).click();
  await expect(first.getByText("Marked attended.")).toBeVisible();
  await expect(cells.nth(1)).toHaveText("1");
  await expect(row).toContainText("reprobated"); // a reprobation stays until a reactivation

  await row.getByRole("button", { name: /^Reactivate/ }).click();
  await expect(row).toContainText("active");
  await expect(row.getByRole("button", { name: /^Reactivate/ })).toHaveCount(0);
  await mentee.context().close();
});
