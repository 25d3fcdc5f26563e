// A new mentor sets up: their profile, weekly hours, a date closed, an offering created and
// then edited; the public slot picker shows exactly what they set. An offering's reminders:
// the default for a new one, changed, refused by the API, turned off.
import { expect, test } from "@playwright/test";

import { MENTOR_ZONE, apiGet, checkA11y, dateIn, screenshots, seedMentor, signInAs } from "./support";

const DAY = 86_400_000;
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

  const closed = dateIn(Date.now() + 2 * DAY, MENTOR_ZONE);
  const open = dateIn(Date.now() + 3 * DAY, MENTOR_ZONE);
  await page.getByLabel("Date", { exact: true }).fill(closed);
  await page.getByLabel("On that date").selectOption("closed");
  await page.getByRole("button", { name: "Save the override" }).click();
  await expect(page.getByRole("list", { name: "Overrides" })).toContainText(`${closed}: closed`);

  await page.getByRole("textbox", { name: "Title" }).last().fill("Intro call");
  await page.getByRole("button", { name: "Create the offering" }).click();
  // an offering's item holds its form (its reminders are a list of their own, inside)
  const offering = page.getByRole("list", { name: "Your offerings" }).getByRole("listitem").filter({ has: page.getByRole("form") });
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

test("a mentor chooses when an offering's reminders go out, or none", async ({ page, request }) => {
  const mentor = await seedMentor(request, "Seeded session");
  await signInAs(page, "mentor", mentor.name, mentor.email);
  await page.goto("mentor/setup");
  const stored = async () => {
    const { items } = await apiGet<{ items: { title: string; reminder_minutes_before: number[] }[] }>(
      request,
      page,
      `api/booking/offerings?provider_id=${mentor.providerId}&limit=200`,
    );
    return items.find((o) => o.title === "Reminder call")?.reminder_minutes_before;
  };

  // A new offering: 1 day and 1 hour before, as the API's default.
  const create = page.getByRole("form", { name: "A new offering" });
  const fresh = create.getByRole("group", { name: "Reminders" });
  await expect(fresh.getByRole("radio", { name: "Remind before each session" })).toBeChecked();
  await expect(fresh.getByRole("list", { name: "Reminder times" }).getByRole("listitem")).toHaveText([/^1 day before/, /^1 hour before/]);
  await create.getByRole("textbox", { name: "Title" }).fill("Reminder call");
  await create.getByRole("button", { name: "Create the offering" }).click();
  const row = page.getByRole("form", { name: "Edit Reminder call" });
  const reminders = row.getByRole("group", { name: "Reminders" });
  const chips = reminders.getByRole("list", { name: "Reminder times" }).getByRole("listitem");
  await expect(chips).toHaveText([/^1 day before/, /^1 hour before/]);
  expect(await stored()).toEqual([1440, 60]);

  // 2 hours only: saved, and so after a reload.
  await reminders.getByRole("button", { name: "Remove the reminder 1 day before" }).click();
  await reminders.getByRole("button", { name: "Remove the reminder 1 hour before" }).click();
  await reminders.getByLabel("Add a reminder").selectOption({ label: "2 hours before" });
  await reminders.getByRole("button", { name: "Add the reminder" }).click();
  await expect(chips).toHaveText([/^2 hours before/]);
  await row.getByRole("button", { name: "Save Reminder call" }).click();
  await expect(row.getByText("Saved.")).toBeVisible();
  await page.reload();
  await expect(chips).toHaveText([/^2 hours before/]);
  await expect(row).toContainText("reminders 2 hours before");
  expect(await stored()).toEqual([120]);

  // Typed minutes the API refuses (under 5): its problem beside the reminders, nothing saved.
  await reminders.getByLabel("Add a reminder").selectOption({ label: "other: type the minutes" });
  await reminders.getByRole("spinbutton", { name: "Minutes before" }).fill("3");
  await reminders.getByRole("button", { name: "Add the reminder" }).click();
  await expect(chips).toHaveText([/^2 hours before/, /^3 minutes before/]);
  await row.getByRole("button", { name: "Save Reminder call" }).click();
  await expect(reminders.getByRole("alert")).toContainText("3 minutes before: Input should be greater than or equal to 5");
  expect(await stored()).toEqual([120]);
  await checkA11y(page, "offering reminders");
  await screenshots(page, "mentor-reminders");
  await reminders.getByRole("button", { name: "Remove the reminder 3 minutes before" }).click();
  await expect(reminders.getByRole("alert")).toHaveCount(0);

  // No reminders: [] saved, and chosen after a reload.
  await reminders.getByRole("radio", { name: "No reminders" }).check();
  await expect(chips).toHaveCount(0);
  await row.getByRole("button", { name: "Save Reminder call" }).click();
  await expect(row.getByText("Saved.")).toBeVisible();
  await expect(row).toContainText("no reminders");
  await page.reload();
  await expect(reminders.getByRole("radio", { name: "No reminders" })).toBeChecked();
  expect(await stored()).toEqual([]);
});
