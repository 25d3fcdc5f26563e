// Credits: too few to pay is explained; a pack bought by card (Stripe.js) shows in the
// balance; paying a session with credits confirms it and the balance goes down.
import { expect, test } from "@playwright/test";

import { CARD_OK, checkA11y, payByCard, screenshots, seedMentor, signInAsMentee } from "./support";

test("a mentee with too few credits buys a pack, then pays a session with credits", async ({ page, request }) => {
  const mentor = await seedMentor(request, "Credit session", { price_in_credits: 5 });
  await signInAsMentee(page, "Flo");
  await page.goto(`offerings/${mentor.offeringId}`);
  await page.getByRole("button", { name: /free$/ }).first().click();
  await expect(page.getByText("This session costs 5 credits")).toBeVisible();
  await expect(page.getByText("Your credit balance: 0 credits")).toBeVisible();

  await page.getByRole("button", { name: "Pay 5 credits" }).click();
  const refusal = page.getByRole("alert");
  await expect(refusal).toContainText(/credits/i);
  await checkA11y(page, "too few credits");
  await screenshots(page, "too-few-credits");

  await page.getByRole("link", { name: "Buy credits" }).click();
  await expect(page.getByRole("heading", { name: "Credits" })).toBeVisible();
  await expect(page.getByText("Your balance: 0 credits")).toBeVisible();
  await page.getByRole("radio", { name: /^5 credits/ }).check();
  await checkA11y(page, "credits");
  await payByCard(page, CARD_OK, /^Buy 5 credits/);
  await expect(page.getByText("Bought: 5 credits added.")).toBeVisible();
  await expect(page.getByText("Your balance: 5 credits")).toBeVisible();
  await screenshots(page, "credits");

  await page.getByRole("link", { name: "Back to your seat" }).click();
  await expect(page.getByText("Your credit balance: 5 credits")).toBeVisible();
  await expect(page.getByText("Live updates: connected")).toBeVisible();
  await page.getByRole("button", { name: "Pay 5 credits" }).click();
  await expect(page.getByText("Confirmed: your session is booked.")).toBeVisible();
  await expect(page.getByText("Your credit balance: 0 credits")).toBeVisible();
});
