// The admin's desk: a booking looked up by id with its payment and refunds, a payment by
// id, a subscription reactivated; unknown and malformed ids are the API's problems.
import { expect, type Locator, test } from "@playwright/test";

import { apiGet, bookByCard, checkA11y, screenshots, seedMentor, signInAs, signInAsMentee, tokenOf } from "./support";

/** The value a fact list shows for `name` (exactly that term). */
function fact(list: Locator, name: string): Locator {
  return list.locator("div").filter({ has: list.page().locator("dt", { hasText: new RegExp(`^${name}$`) }) }).locator("dd");
}

test("an admin looks up a booking with its payment, a payment, and reactivates a subscription", async ({ page, request }) => {
  const mentor = await seedMentor(request, "Admin check");
  const programme = await seedMentor(request, "Admin programme", {
    kind: "recurring",
    pattern: [{ weekday: 2, time: "18:00" }],
    price_minor: 6000,
  });
  const nia = await signInAsMentee(page, "Nia");
  await bookByCard(page, mentor.offeringId);
  const mine = await apiGet<{ items: { booking_id: string; payment_id: string; hold_id: string; offering_title: string }[] }>(
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

  // The booking, as booking has it, and its payment as payments has it (captured once
  // payments hears booking confirm it: looked up again until then).
  const bookingForm = page.getByRole("region", { name: "A booking" }).locator("form");
  const details = bookingForm.locator("dl[aria-label='The booking']");
  const payment = bookingForm.locator(`dl[aria-label='Payment ${booking.payment_id}']`);
  await bookingForm.getByLabel("Booking id").fill(booking.booking_id);
  await expect(async () => {
    await bookingForm.getByRole("button", { name: "Look up the booking" }).click();
    await expect(fact(payment, "Status")).toHaveText("captured", { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await expect(fact(details, "Offering")).toHaveText(mentor.title);
  await expect(fact(details, "Provider")).toHaveText(mentor.name);
  await expect(fact(details, "Status")).toHaveText("confirmed");
  await expect(fact(details, "Price")).toHaveText("€45.00");
  await expect(fact(details, "Paid by")).toHaveText("card");
  await expect(fact(details, "Booked by")).toHaveText(new RegExp(`^${nia}, `));
  await expect(fact(details, "Hold")).toHaveText(booking.hold_id);
  await expect(fact(details, "Payment id")).toHaveText(booking.payment_id);
  await expect(fact(details, "Refund")).toHaveText("none");
  await expect(fact(payment, "Method")).toHaveText("card");
  await expect(fact(payment, "Amount")).toHaveText("€45.00");
  await expect(fact(payment, "Charged")).toHaveText("€45.00");
  await expect(fact(payment, "Refunds")).toHaveText("none");
  await checkA11y(page, "admin");
  await screenshots(page, "admin");

  // Cancelled by the admin (a full refund): the booking says so, and its payment shows the
  // refund once Stripe has made it.
  const asAdmin = { Authorization: `Bearer ${await tokenOf(page)}` };
  const cancel = await request.post(`api/booking/bookings/${booking.booking_id}/cancel`, { headers: asAdmin, data: {} });
  expect(cancel.status(), await cancel.text()).toBe(200);
  await expect(async () => {
    await bookingForm.getByRole("button", { name: "Look up the booking" }).click();
    await expect(fact(payment, "Refunds")).toHaveText("€45.00 succeeded", { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await expect(fact(details, "Status")).toHaveText("cancelled");
  await expect(fact(details, "Refund")).toHaveText("€45.00");

  // An unknown booking: both reads answer their problem, shown; nothing of the last one stays.
  await bookingForm.getByLabel("Booking id").fill("00000000-0000-0000-0000-000000000000");
  await bookingForm.getByRole("button", { name: "Look up the booking" }).click();
  await expect(bookingForm.getByRole("alert").first()).toContainText("No booking 00000000-0000-0000-0000-000000000000");
  await expect(bookingForm.getByRole("alert").nth(1)).toContainText("No payment of booking");
  await expect(details).toHaveCount(0);
  // A malformed id: the API's validation problem.
  await bookingForm.getByLabel("Booking id").fill("not-an-id");
  await bookingForm.getByRole("button", { name: "Look up the booking" }).click();
  await expect(bookingForm.getByRole("alert").first()).toContainText("Unprocessable Content");

  const paymentForm = page.getByRole("region", { name: "A payment" }).locator("form");
  await paymentForm.getByLabel("Payment id").fill(booking.payment_id);
  await paymentForm.getByRole("button", { name: "Look up the payment" }).click();
  await expect(paymentForm).toContainText("€45.00");
  await expect(paymentForm).toContainText(/captured/);

  const subForm = page.getByRole("region", { name: "Reactivate a subscription" }).locator("form");
  await subForm.getByLabel("Subscription id").fill(subscriptionId);
  await subForm.getByRole("button", { name: "Reactivate the subscription" }).click();
  await expect(subForm).toContainText(programme.title);
  await expect(subForm).toContainText(/active|reactivating/);

  // An unknown payment id: the API's problem, shown.
  await paymentForm.getByLabel("Payment id").fill("00000000-0000-0000-0000-000000000000");
  await paymentForm.getByRole("button", { name: "Look up the payment" }).click();
  await expect(paymentForm.getByRole("alert")).toBeVisible();
});
