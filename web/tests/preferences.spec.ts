// Mail preferences (/preferences): the time zone (the browser's suggested), the locale and
// which mails come, saved through the API and shown again after a reload; receipts always
// come. The mails' one-click unsubscribe links answer through the gateway without a token.
import type { MailPreferencesOut } from "@kairos/client";
import { expect, test } from "@playwright/test";

import { VIEWER_ZONE, apiGet, checkA11y, screenshots, signInAsMentee } from "./support";

test("a person chooses the time zone, locale and mails they get", async ({ page, request }) => {
  await page.goto("preferences");
  await expect(page.getByRole("link", { name: "Sign in" }).last()).toBeVisible(); // signed out

  await signInAsMentee(page, "Pia");
  await page.getByRole("link", { name: "Mail preferences" }).click();
  await expect(page.getByRole("heading", { name: "Mail preferences" })).toBeVisible();
  const zone = page.getByLabel("Time zone");
  const locale = page.getByLabel(/^Language and region/);
  const confirmations = page.getByRole("checkbox", { name: /^Confirmations/ });
  const reminders = page.getByRole("checkbox", { name: /^Reminders/ });
  // Nothing chosen yet: the browser's zone and locale are suggested, every mail comes.
  await expect(zone).toHaveValue(VIEWER_ZONE);
  await expect(locale).toHaveValue("en_US");
  await expect(confirmations).toBeChecked();
  await expect(reminders).toBeChecked();
  await expect(page.getByText("Receipts of payments and refunds always come.")).toBeVisible();
  const before = await apiGet<MailPreferencesOut>(request, page, "api/calendar/me/mail-preferences");
  expect(before.chosen).toBe(false);
  // What the browser told the sign-in (the token's zoneinfo and locale claims) is kept.
  expect([before.time_zone, before.locale]).toEqual([VIEWER_ZONE, "en_US"]);
  await checkA11y(page, "mail preferences");

  await zone.selectOption("Asia/Tokyo");
  await locale.selectOption("es_ES");
  await reminders.uncheck();
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  const saved = await apiGet<MailPreferencesOut>(request, page, "api/calendar/me/mail-preferences");
  expect(saved).toEqual({
    time_zone: "Asia/Tokyo",
    locale: "es_ES",
    unsubscribed: ["reminders"],
    topics: ["confirmations", "reminders"],
    chosen: true,
  });

  await page.reload();
  await expect(zone).toHaveValue("Asia/Tokyo");
  await expect(locale).toHaveValue("es_ES");
  await expect(confirmations).toBeChecked();
  await expect(reminders).not.toBeChecked();
  await screenshots(page, "preferences");

  // Reminders back on, confirmations off: the whole choice is replaced.
  await reminders.check();
  await confirmations.uncheck();
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  const after = await apiGet<MailPreferencesOut>(request, page, "api/calendar/me/mail-preferences");
  expect(after.unsubscribed).toEqual(["confirmations"]);
  expect(after.time_zone).toBe("Asia/Tokyo");
});

test("an unsubscribe link reaches calendar-sync without a token; a forged one is refused", async ({ request }) => {
  for (const method of ["GET", "POST"] as const) {
    const resp = await request.fetch("api/calendar/unsubscribe/bm90LWEtbGluay13ZS1zaWduZWQ", { method });
    expect(resp.status(), `${method}: ${await resp.text()}`).toBe(404); // not 401: no sign-in
    expect(resp.headers()["content-type"]).toContain("application/problem+json");
    expect((await resp.json()).type).toMatch(/unknown-unsubscribe-link$/);
  }
});
