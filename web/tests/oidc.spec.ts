// Production sign-in (@oidc): the stack is told to sign people in at an OpenID Connect
// issuer (tests-e2e/tests/test_web_oidc.py runs these against such a stack and a real
// issuer, panva's oidc-provider, which refuses a public client without PKCE S256).
import { type Page, type Request, expect, test } from "@playwright/test";

import { checkA11y, screenshots } from "./support";

interface Oidc {
  issuer: string;
  accounts: Record<string, { sub: string; name: string; roles: string[] }>;
}
const oidc: Oidc = JSON.parse(process.env.KAIROS_OIDC ?? '{"issuer": "", "accounts": {}}');
const MENTEE = "olga@example.org";
const ROLELESS = "nobody@example.org";

/** At the issuer's own pages: log in as `email`'s account and consent. */
async function atTheIssuer(page: Page, email: string): Promise<void> {
  await expect(page).toHaveURL(new RegExp(`^${oidc.issuer}/`));
  await page.locator('input[name="login"]').fill(oidc.accounts[email].sub);
  await page.locator('input[name="password"]').fill("any password");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
}

test("a mentee signs in at the issuer with PKCE, uses the API, and signs out there too @oidc", async ({ page }) => {
  const authorizations: Request[] = [];
  page.on("request", (r) => {
    if (r.url().startsWith(`${oidc.issuer}/auth`)) authorizations.push(r);
  });
  await page.goto("bookings");
  await page.getByRole("main").getByRole("link", { name: "Sign in" }).click();
  await expect(page.getByText(`account at ${new URL(oidc.issuer).host}`)).toBeVisible();
  await checkA11y(page, "the OIDC sign-in page");
  await screenshots(page, "signin-oidc");
  await page.getByRole("button", { name: "Sign in" }).click();
  await atTheIssuer(page, MENTEE);

  // Back in the app, signed in as the issuer's account.
  await expect(page.getByRole("button", { name: "Sign out Olga Mentee" })).toBeVisible();
  const asked = new URL(authorizations[0].url()).searchParams;
  expect(asked.get("code_challenge_method")).toBe("S256");
  expect(asked.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(asked.get("client_id")).toBe("kairos-web");

  // Back where sign-in began; the API takes the issuer's token: my bookings load (none
  // yet), no problem shown.
  await expect(page).toHaveURL(/\/bookings$/);
  await expect(page.getByText("No upcoming sessions.")).toBeVisible();
  await expect(page.getByRole("alert")).toHaveCount(0);
  const token = await page.evaluate(() => JSON.parse(localStorage.getItem("kairos.session") ?? "{}").token as string);
  const claims = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
  expect(claims).toMatchObject({ iss: oidc.issuer, aud: "kairos", sub: oidc.accounts[MENTEE].sub, roles: ["mentee"] });

  // Signing out ends the issuer's session too: the next sign-in asks for a login again.
  await page.getByRole("button", { name: "Sign out Olga Mentee" }).click();
  await page.getByRole("button", { name: "Yes, sign me out" }).click();
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Sign in" })).toBeVisible();
  await nav.getByRole("link", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator('input[name="login"]')).toBeVisible();
});

test("an account without a Kairos role is told so and stays signed out @oidc", async ({ page }) => {
  await page.goto("signin");
  await page.getByRole("button", { name: "Sign in" }).click();
  await atTheIssuer(page, ROLELESS);
  await expect(page.getByRole("alert")).toContainText("Your account has no Kairos role");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sign in" })).toBeVisible();
});

test("a callback this tab did not start is refused, not signed in @oidc", async ({ page }) => {
  await page.goto("signin/callback?code=forged&state=forged&iss=" + encodeURIComponent(oidc.issuer));
  await expect(page.getByRole("alert")).toContainText("This sign-in was not started here");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sign in" })).toBeVisible();
  await checkA11y(page, "a refused sign-in callback");
});
