// A weekly programme: subscribe by card (Stripe.js makes the payment method), see its
// sessions, unsubscribe (they go), reactivate (they come back).
import { expect, test } from "@playwright/test";

import { CARD_OK, checkA11y, payByCard, screenshots, seedMentor, signInAsMentee } from "./support";

test("a mentee subscribes to a programme, unsubscribes and reactivates", async ({ page, request }) => {
  const pattern = [0, 2, 4].map((weekday) => ({ weekday, time: "10:00" }));
  const mentor = await seedMentor(request, "Weekly coaching", { kind: "recurring", pattern, price_minor: 12000 });
  await signInAsMentee(page, "Gus");
  await page.goto(`providers/${mentor.providerId}`);
  await page.getByRole("link", { name: `See the programme ${mentor.title}` }).click();
  await expect(page.getByRole("heading", { name: mentor.title })).toBeVisible();
  await expect(page.getByText("Mondays at 10:00 (Europe/Madrid)")).toBeVisible();
  await checkA11y(page, "programme");
  await payByCard(page, CARD_OK, /^Subscribe for /);

  await expect(page.getByRole("heading", { name: "My programmes" })).toBeVisible();
  const card = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: mentor.title }) });
  const sessions = card.getByRole("list", { name: `Sessions of ${mentor.title}` }).getByRole("listitem");
  await expect(sessions.first()).toBeVisible();
  const count = await sessions.count();
  await expect(card).toContainText("active");
  await checkA11y(page, "my programmes");
  await screenshots(page, "programmes");

  await card.getByRole("button", { name: "Unsubscribe" }).click();
  await expect(card).toContainText("unsubscribed");
  await expect(card.getByText("No sessions to come.")).toBeVisible();

  await card.getByRole("button", { name: "Reactivate" }).click();
  await expect(card.getByText("active", { exact: true })).toBeVisible();
  await expect(sessions).toHaveCount(count);
});
