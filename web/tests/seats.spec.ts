// One seat, two people: a race for the last seat has one winner (who pays and is
// confirmed) and a loser told the slot is gone, charged nothing; a declined card keeps the
// seat for its payer, and releasing it frees it for the next person at once.
import { expect, test } from "@playwright/test";

import {
  CARD_DECLINED,
  CARD_OK,
  anotherBrowser,
  apiGet,
  checkA11y,
  payByCard,
  screenshots,
  seedMentor,
  signInAsMentee,
} from "./support";

interface Payments {
  items: unknown[];
}

test("two browsers race for the last seat: one is confirmed, the other told it is gone", async ({
  page,
  browser,
  request,
  baseURL,
}) => {
  const mentor = await seedMentor(request, "Last seat");
  const other = await anotherBrowser(browser, baseURL);
  await signInAsMentee(page, "Ann");
  await signInAsMentee(other, "Bo");
  for (const p of [page, other]) await p.goto(`offerings/${mentor.offeringId}`);
  const slotOf = (p: typeof page) => p.getByRole("button", { name: /free$/ }).first();
  const label = await slotOf(page).getAttribute("aria-label");
  const same = (p: typeof page) => p.getByRole("button", { name: label ?? "" });
  await expect(same(other)).toBeEnabled();

  // Both press the same free slot at the same moment.
  await Promise.all([same(page).click(), same(other).click()]);
  const won = async (p: typeof page) => {
    await expect(p.getByRole("timer").or(p.getByRole("alert")).first()).toBeVisible();
    return p.url().includes("/holds/");
  };
  const [first, second] = [await won(page), await won(other)];
  expect(first !== second, "exactly one of the two holds the seat").toBeTruthy();
  const [winner, loser] = first ? [page, other] : [other, page];

  // The loser: the API's problem, and the slot now shows full.
  await expect(loser.getByRole("alert")).toContainText(/full|taken|gone|no free seat/i);
  await expect(loser.getByRole("button", { name: label!.replace(/free$/, "full") })).toBeDisabled();
  await checkA11y(loser, "slot gone");
  await screenshots(loser, "slot-gone");

  // The winner pays and is confirmed; the loser was charged nothing.
  await expect(winner.getByText("Live updates: connected")).toBeVisible();
  await payByCard(winner, CARD_OK);
  await expect(winner.getByText("Confirmed: your session is booked.")).toBeVisible();
  const charged = await apiGet<Payments>(request, loser, "api/payments/me/payments");
  expect(charged.items).toEqual([]);
  await other.context().close();
});

test("a declined card keeps the seat; releasing it frees it for the next person at once", async ({
  page,
  browser,
  request,
  baseURL,
}) => {
  const mentor = await seedMentor(request, "Held seat");
  await signInAsMentee(page, "Cy");
  await page.goto(`offerings/${mentor.offeringId}`);
  const first = page.getByRole("button", { name: /free$/ }).first();
  const label = (await first.getAttribute("aria-label"))!;
  await first.click();
  await expect(page.getByText("Live updates: connected")).toBeVisible();
  await payByCard(page, CARD_DECLINED);
  await expect(page.getByRole("alert")).toContainText("Card declined");

  // Someone else sees the seat taken while the payer tries again.
  const next = await anotherBrowser(browser, baseURL);
  await signInAsMentee(next, "Dee");
  await next.goto(`offerings/${mentor.offeringId}`);
  await expect(next.getByRole("button", { name: label.replace(/free$/, "full") })).toBeDisabled();

  // The payer gives the seat back: at once it is free for the next person, who takes it.
  await page.getByRole("button", { name: "Release the seat" }).click();
  await expect(page.getByRole("heading", { name: mentor.title })).toBeVisible();
  await expect(page.getByRole("button", { name: label })).toBeEnabled();
  await next.reload();
  await next.getByRole("button", { name: label }).click();
  await expect(next.getByRole("timer")).toBeVisible();
  await payByCard(next, CARD_OK);
  await expect(next.getByText("Confirmed: your session is booked.")).toBeVisible();
  // The declined payer was charged nothing.
  const charged = await apiGet<{ items: { status: string; amount_minor: number }[] }>(
    request,
    page,
    "api/payments/me/payments",
  );
  for (const p of charged.items) expect(p.status).not.toMatch(/verified|capturing|captured/);
  await next.context().close();
});
