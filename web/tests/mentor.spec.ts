// The mentor's live schedule: a session appears as a mentee pays for it, without reloading;
// marking its attendance before it starts is refused with the API's reason, and its audit
// trail is empty.
import { expect, test } from "@playwright/test";

import {
  CARD_OK,
  anotherBrowser,
  checkA11y,
  payByCard,
  screenshots,
  seedMentor,
  signInAs,
  signInAsMentee,
} from "./support";

test("a mentor sees a booking appear live on the schedule", async ({ page, browser, request, baseURL }) => {
  const mentor = await seedMentor(request, "Portfolio review");
  await signInAs(page, "mentor", mentor.name, mentor.email);
  await page.getByRole("link", { name: "My schedule" }).click();
  await expect(page.getByRole("heading", { name: "My schedule" })).toBeVisible();
  await expect(page.getByText("Live updates: connected")).toBeVisible();
  await expect(page.getByText("No sessions booked yet.")).toBeVisible();

  const mentee = await anotherBrowser(browser, baseURL);
  await signInAsMentee(mentee, "Jo");
  await mentee.goto(`offerings/${mentor.offeringId}`);
  await mentee.getByRole("button", { name: "Later" }).click(); // next week: not started yet
  await mentee.getByRole("button", { name: /free$/ }).first().click();
  await expect(mentee.getByText("Live updates: connected")).toBeVisible();
  await payByCard(mentee, CARD_OK);
  await expect(mentee.getByText("Confirmed: your session is booked.")).toBeVisible();

  // On the mentor's page, without a reload.
  const session = page.getByRole("list", { name: "Booked sessions" }).getByRole("listitem");
  await expect(session).toHaveCount(1);
  await expect(session).toContainText(mentor.title);
  await expect(session).toContainText("confirmed");
  await checkA11y(page, "mentor schedule");
  await screenshots(page, "mentor-schedule");

  await session.getByRole("button", { name: "Mark attended" }).click();
  await expect(session.getByRole("alert")).toBeVisible(); // not started: the API says why
  await session.getByRole("button", { name: "Show the audit trail" }).click();
  await expect(session.getByText("Not marked yet.")).toBeVisible();
  await mentee.context().close();
});

test("a new mentor has no profile yet and creates it on their schedule", async ({ page }) => {
  const id = Date.now().toString(36);
  await signInAs(page, "mentor", `Noor ${id}`, `noor-${id}@example.org`);
  await page.getByRole("link", { name: "My schedule" }).click();
  // GET /me/provider answers 404: the page offers to create the profile
  await expect(page.getByText("You have no mentor profile yet.")).toBeVisible();
  await expect(page.getByRole("alert")).toHaveCount(0);
  await page.getByLabel("Your time zone").fill("Europe/Madrid");
  await page.getByRole("button", { name: "Create my profile" }).click();
  await expect(page.getByText(`Noor ${id} · times in your zone, Europe/Madrid`)).toBeVisible();
  await expect(page.getByText("No sessions booked yet.")).toBeVisible();
  await page.reload(); // found again by GET /me/provider, not created twice
  await expect(page.getByText(`Noor ${id} · times in your zone, Europe/Madrid`)).toBeVisible();
});
