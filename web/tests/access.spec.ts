// Keyboard only: the skip link first, then signing in, finding a mentor, holding a slot and
// paying by card without a mouse. Offline: a banner says so, what needs the server waits,
// and both resume once back online. A phone-sized screen: nothing wider than it.
import { type Locator, type Page, expect, test } from "@playwright/test";

import { CARD_OK, seedMentor } from "./support";

/** Tab (forwards) until `target` has the focus. */
async function tabTo(page: Page, target: Locator, most = 60): Promise<void> {
  const handle = await target.elementHandle();
  for (let i = 0; i < most; i++) {
    if (await page.evaluate((el) => document.activeElement === el, handle)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`could not reach ${target} with the Tab key`);
}

test("keyboard only: sign in, pick a slot, hold it and pay by card", async ({ page, request }) => {
  const mentor = await seedMentor(request, "Keyboard session");
  await page.goto("./");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();

  await tabTo(page, page.getByRole("link", { name: "Sign in" }));
  await page.keyboard.press("Enter");
  await tabTo(page, page.getByRole("radio", { name: "mentee" }));
  await page.keyboard.press("Space");
  await tabTo(page, page.getByLabel("Name"));
  await page.keyboard.type("Kay Board");
  await tabTo(page, page.getByLabel("Email"));
  await page.keyboard.type(`kay-${Date.now()}@example.org`);
  await page.keyboard.press("Enter"); // submits the form
  await expect(page.getByRole("button", { name: "Sign out Kay Board" })).toBeVisible();

  await page.goto(`providers/${mentor.providerId}`);
  await tabTo(page, page.getByRole("link", { name: `Choose a time for ${mentor.title}` }));
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: mentor.title })).toBeVisible();
  await tabTo(page, page.getByRole("button", { name: /free$/ }).first());
  await page.keyboard.press("Enter");
  await expect(page.getByRole("timer")).toBeVisible();
  await expect(page.getByText("Live updates: connected")).toBeVisible();

  const card = page.getByRole("group", { name: "Card" });
  await tabTo(page, card.getByPlaceholder("number"));
  await page.keyboard.type(CARD_OK);
  for (const [field, value] of [["exp_month", "12"], ["exp_year", "34"], ["cvc", "123"], ["postal_code", "28001"]]) {
    await tabTo(page, card.getByPlaceholder(field));
    await page.keyboard.type(value);
  }
  await tabTo(page, page.getByRole("button", { name: /^Pay / }));
  await page.keyboard.press("Enter");
  await expect(page.getByText("Confirmed: your session is booked.")).toBeVisible();
});

test("offline: a banner, requests waiting, and back online", async ({ page, context, request }) => {
  const mentor = await seedMentor(request, "Offline check");
  await page.goto(`offerings/${mentor.offeringId}`);
  await expect(page.getByRole("button", { name: /free$/ }).first()).toBeVisible();
  await context.setOffline(true);
  await expect(page.getByText("You are offline")).toBeVisible();
  // What needs the server waits (TanStack Query pauses while offline) instead of failing.
  await page.getByRole("button", { name: "Later" }).click();
  await expect(page.getByText("Loading times…")).toBeVisible();
  await expect(page.getByRole("button", { name: /free$/ })).toHaveCount(0);
  await context.setOffline(false);
  await expect(page.getByText("You are offline")).toHaveCount(0);
  await expect(page.getByRole("button", { name: /free$/ }).first()).toBeVisible(); // resumed
});

test("a phone-sized screen: no page is wider than the phone", async ({ page, request }) => {
  const mentor = await seedMentor(request, "Phone check");
  await page.setViewportSize({ width: 360, height: 740 });
  for (const path of ["./", `providers/${mentor.providerId}`, `offerings/${mentor.offeringId}`, "signin"]) {
    await page.goto(path);
    await expect(page.locator("main h1")).toBeVisible();
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(wide, `${path} scrolls sideways`).toBeLessThanOrEqual(360);
  }
});
