// A new mentor sets up: their profile, weekly hours, a date closed, an offering created and
// then edited; the public slot picker shows exactly what they set.
import { expect, test } from "@playwright/test";

import { MENTOR_ZONE, checkA11y, screenshots, signInAs } from "./support";

const DAY = 86_400_000;
const madridDate = (at: number) => new Intl.DateTimeFormat("en-CA", { timeZone: MENTOR_ZONE }).format(new Date(at));
const shownDay = (date: string) =>
  new Intl.DateTimeFormat("en-US", { weekday: "long", month: "long", day: "numeric", timeZone: "UTC" }).format(new Date(`${date}T12:00:00Z`));

test("a mentor sets weekly hours, closes a date, creates and edits an offering", async ({ page }) => {
  const id = Math.random().toString(36).slice(2, 8);
  const name = `Aalto new ${id}`;
  await signInAs(page, "mentor", name, `mentor-new-${id}@example.org`);
  await page.getByRole("link", { name: "My schedule" }).click();
  await page.getByLabel("Your time zone").fill(MENTOR_ZONE);
  await page.getByRole("button", { name: "Create my profile" }).click();
  await expect(page.getByText("No sessions booked yet.")).toBeVisible();

  await page.getByRole("link", { name: "Hours and offerings" }).click();
  await expect(page.getByText(`Times are in your zone, ${MENTOR_ZONE}.`)).toBeVisible();
  for (const day of ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]) {
    const row = page.getByRole("group", { name: day });
    await row.getByLabel("Open").check();
    await row.getByLabel("From").fill("09:00");
    await row.getByLabel("To").fill("12:00");
  }
  await page.getByRole("button", { name: "Save the weekly hours" }).click();
  await expect(page.getByText("Weekly hours saved.")).toBeVisible();

  const closed = madridDate(Date.now() + 2 * DAY);
  const open = madridDate(Date.now() + 3 * DAY);
  await page.getByLabel("Date", { exact: true }).fill(closed);
  await page.getByLabel("On that date").selectOption("closed");
  await page.getByRole("button", { name: "Save the override" }).click();
  await expect(page.getByRole("list", { name: "Overrides" })).toContainText(`${closed}: closed`);

  await page.getByRole("textbox", { name: "Title" }).last().fill("Intro call");
  await page.getByRole("button", { name: "Create the offering" }).click();
  const offering = page.getByRole("list", { name: "Your offerings" }).getByRole("listitem");
  await expect(offering).toHaveCount(1);
  await expect(offering).toContainText("€40.00");
  await offering.getByLabel(/^Price/).fill("55");
  await offering.getByRole("button", { name: "Save Intro call" }).click();
  await expect(offering.getByText("Saved.")).toBeVisible();
  await expect(offering).toContainText("€55.00");
  await checkA11y(page, "mentor setup");
  await screenshots(page, "mentor-setup");

  // What a mentee sees: no time on the closed date, the three hours on the next.
  await page.getByRole("link", { name: "Your public page" }).click();
  await page.getByRole("link", { name: "Choose a time for Intro call" }).click();
  await expect(page.getByText("€55.00")).toBeVisible();
  await expect(page.getByRole("region", { name: shownDay(open) }).getByRole("button")).toHaveCount(3);
  await expect(page.getByRole("region", { name: shownDay(closed) })).toHaveCount(0);
});
