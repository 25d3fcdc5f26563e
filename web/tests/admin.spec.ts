// The admin's desk: a booking and its payment looked up by id, a subscription reactivated.
import { expect, test } from "@playwright/test";

import { apiGet, bookByCard, checkA11y, screenshots, seedMentor, signInAs, signInAsMentee, tokenOf } from "./support";

test("an admin looks up a booking and its payment, and reactivates a subscription", async ({ page, request }) => {
  const mentor = await seedMentor(request, "Admin check");
  const programme = await seedMentor(request, "Admin programme", {
    kind: "recurring",
    pattern: [{ weekday: 2, time: "18:00" }],
    price_minor: 6000,
  });
  await signInAsMentee(page, "Nia");
  await bookByCard(page, mentor.offeringId);
  const mine = await apiGet<{ items: { booking_id: string; payment_id: string; offering_title: string }[] }>(
    request,
    page,
    "api/booking/me/bookings",
  );
  const booking = mine.items.find((b) => b.offering_title === mentor.title)!;
  // A subscription, then an unsubscribe (through the API, as the mentee).
  const who = { Authorization: `Bearer ${await tokenOf(page)}` };
  const sub = await request.post("api/payments/subscriptions", {
    headers: who,
    data: { offering_id: programme.offeringId, payment_method_id: "pm_card_visa" },
  });
  expect(sub.status(), await sub.text()).toBe(201);
  const subscriptionId = (await sub.json()).subscription_id as string;
  const cancelled = await request.post(`api/payments/subscriptions/${subscriptionId}/cancel`, { headers: who });
  expect(cancelled.ok(), await cancelled.text()).toBeTruthy();

  await signInAs(page, "admin", "Ada Admin", `admin-${Date.now()}@example.org`);
  await page.getByRole("link", { name: "Admin" }).click();
  await expect(page.getByRole("heading", { name: "Admin" })).toBeVisible();

  // The session: attendance hears of a booking a moment after it is made.
  const bookingForm = page.locator("form").filter({ hasText: "Booking id" });
  await bookingForm.getByLabel("Booking id").fill(booking.booking_id);
  await expect(async () => {
    await bookingForm.getByRole("button", { name: "Look up the booking" }).click();
    await expect(bookingForm.getByRole("definition").first()).toHaveText(mentor.title, { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await expect(bookingForm).toContainText("confirmed");

  const paymentForm = page.locator("form").filter({ hasText: "Payment id" });
  await paymentForm.getByLabel("Payment id").fill(booking.payment_id);
  await paymentForm.getByRole("button", { name: "Look up the payment" }).click();
  await expect(paymentForm).toContainText("€45.00");
  await expect(paymentForm).toContainText(/verified|capturing|captured/);

  const subForm = page.locator("form").filter({ hasText: "Subscription id" });
  await subForm.getByLabel("Subscription id").fill(subscriptionId);
  await subForm.getByRole("button", { name: "Reactivate the subscription" }).click();
  await expect(subForm).toContainText(programme.title);
  await expect(subForm).toContainText(/active|reactivating/);
  await checkA11y(page, "admin");
  await screenshots(page, "admin");

  // An unknown id: the API's problem, shown.
  await paymentForm.getByLabel("Payment id").fill("00000000-0000-0000-0000-000000000000");
  await paymentForm.getByRole("button", { name: "Look up the payment" }).click();
  await expect(paymentForm.getByRole("alert")).toBeVisible();
});
