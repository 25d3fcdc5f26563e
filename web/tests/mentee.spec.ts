// A mentee finds a mentor, picks a time shown in their own zone, holds the seat, pays by
// card and sees the booking confirmed live; a declined card says why and keeps the seat.
import { expect, test } from "@playwright/test";

import {
  CARD_DECLINED,
  CARD_OK,
  MENTOR_ZONE,
  VIEWER_ZONE,
  checkA11y,
  clock,
  payByCard,
  screenshots,
  seedMentor,
  signInAsMentee,
} from "./support";

test("a mentee books, pays by card and sees the booking confirmed live", async ({ page, request }) => {
  const mentor = await seedMentor(request);
  await signInAsMentee(page);

  await expect(page.getByRole("heading", { name: "Find a mentor" })).toBeVisible();
  await page.getByRole("link", { name: mentor.name }).click();
  await expect(page.getByRole("heading", { name: mentor.name })).toBeVisible();
  await expect(page.getByText(`Works in ${MENTOR_ZONE}`)).toBeVisible();
  await checkA11y(page, "mentor");
  await screenshots(page, "mentor");

  await page.getByRole("link", { name: `Choose a time for ${mentor.title}` }).click();
  await expect(page.getByRole("heading", { name: mentor.title })).toBeVisible();
  await expect(page.getByText(`Times are shown in your time zone, ${VIEWER_ZONE}`)).toBeVisible();
  await expect(page.getByText(`the mentor's time zone is ${MENTOR_ZONE}`)).toBeVisible();

  // The first free slot, in the viewer's zone with the mentor's beside it: as the API says.
  const slots = await request.get(`api/booking/offerings/${mentor.offeringId}/slots`, {
    params: { from: new Date(Date.now() + 2 * 86400_000).toISOString().slice(0, 10), to: new Date(Date.now() + 3 * 86400_000).toISOString().slice(0, 10) },
  });
  const later = ((await slots.json()).slots as { starts_at: string; free: number }[])[0];
  const shown = page.getByRole("button", { name: `${clock(later.starts_at, VIEWER_ZONE)}, ${clock(later.starts_at, MENTOR_ZONE)} ${MENTOR_ZONE}, free` });
  await expect(shown.first()).toBeVisible();
  await checkA11y(page, "slot picker");
  await screenshots(page, "slots");

  const slot = page.getByRole("button", { name: /free$/ }).first();
  await slot.click();

  await expect(page.getByRole("heading", { name: mentor.title })).toBeVisible();
  await expect(page.getByRole("timer")).toHaveText(/^(10|9):\d\d$/);
  await expect(page.getByText("Live updates: connected")).toBeVisible();
  await expect(page.getByText("Not paid yet")).toBeVisible();
  await checkA11y(page, "hold");
  await screenshots(page, "hold");

  await payByCard(page, CARD_OK);
  // Confirmed through the stream (opened before paying; the page does not poll).
  await expect(page.getByText("Confirmed: your session is booked.")).toBeVisible();
  await checkA11y(page, "confirmed");
  await screenshots(page, "confirmed");

  await page.getByRole("link", { name: "See my bookings" }).click();
  await expect(page.getByRole("heading", { name: "My bookings" })).toBeVisible();
  const booking = page.getByRole("listitem").filter({ hasText: mentor.title });
  await expect(booking).toContainText("confirmed");
  await expect(booking).toContainText(`in ${MENTOR_ZONE}`);
  await checkA11y(page, "my bookings");
  await screenshots(page, "bookings");
});

test("a declined card shows why and keeps the seat for another card", async ({ page, request }) => {
  const mentor = await seedMentor(request, "Interview practice");
  await signInAsMentee(page);
  await page.goto(`offerings/${mentor.offeringId}`);
  await page.getByRole("button", { name: /free$/ }).first().click();
  await expect(page.getByText("Live updates: connected")).toBeVisible();

  await payByCard(page, CARD_DECLINED);
  const problem = page.getByRole("alert");
  await expect(problem).toContainText("Card declined");
  await expect(page.getByRole("timer")).toBeVisible(); // the seat is still held
  await expect(page.getByText("Not paid yet")).toBeVisible();
  await checkA11y(page, "declined card");
  await screenshots(page, "declined");

  await payByCard(page, CARD_OK);
  await expect(page.getByText("Confirmed: your session is booked.")).toBeVisible();
});

test("an unknown page and an API refusal are shown, not a blank page", async ({ page }) => {
  await page.goto("no/such/page");
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await page.goto("offerings/00000000-0000-0000-0000-000000000000");
  await expect(page.getByRole("alert")).toContainText(/not found/i);
  await checkA11y(page, "refusal");
});
