// A booked session changed by its mentee: moved to another free time, then cancelled with
// the refund the policy gives shown before confirming (and what the API then refunds).
import { expect, test } from "@playwright/test";

import { bookByCard, checkA11y, screenshots, seedMentor, signInAsMentee } from "./support";

test("a mentee reschedules a session, then cancels it with the refund shown first", async ({ page, request }) => {
  const mentor = await seedMentor(request, "Code review");
  await signInAsMentee(page, "Eve");
  await bookByCard(page, mentor.offeringId, 1); // next week: a full refund applies

  await page.getByRole("link", { name: "My bookings", exact: true }).click();
  const card = page.getByRole("listitem").filter({ hasText: mentor.title });
  await expect(card).toContainText("confirmed");
  const before = (await card.getByRole("paragraph").first().textContent())!;

  await card.getByRole("button", { name: "Reschedule" }).click();
  const move = card.getByRole("group", { name: `Move ${mentor.title}` });
  const target = move.getByRole("button", { name: /^Move to / }).first();
  const when = (await target.getAttribute("aria-label"))!.replace("Move to ", "");
  await checkA11y(page, "reschedule");
  await target.click();
  await expect(card.getByRole("paragraph").first()).toContainText(when);
  expect(await card.getByRole("paragraph").first().textContent()).not.toEqual(before);

  await card.getByRole("button", { name: "Cancel…" }).click();
  const confirm = card.getByRole("group", { name: `Cancel ${mentor.title}` });
  await expect(confirm).toContainText("Cancelling now gives you back €45.00");
  await checkA11y(page, "cancel");
  await screenshots(page, "cancel");
  await confirm.getByRole("button", { name: "Yes, cancel it" }).click();
  await expect(card).toContainText("Cancelled. €45.00 will be refunded.");
  await expect(card).toContainText("cancelled");
});
