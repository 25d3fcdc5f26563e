// Browser tests of the web app against a running local stack, through its gateway:
// KAIROS_WEB_URL (the stack's web URL, `make up` prints it); tests-e2e/tests/test_web.py
// runs them against the test session's stack as part of `make test`.
// The browser is Debian's Chromium (Playwright downloads none): CHROMIUM_PATH or
// /usr/bin/chromium, headless.
import { defineConfig } from "@playwright/test";

const reports = process.env.KAIROS_WEB_REPORTS ?? "../reports/web";
// Suites (KAIROS_WEB_SUITE): "main", every untagged test, against the test session's stack;
// "ahead-clock", the tests tagged @ahead-clock, which need a stack whose attendance clock
// runs two days ahead (sessions booked for tomorrow are over to it:
// tests-e2e/tests/test_attendance.py); "oidc", the tests tagged @oidc, which need a stack
// signing people in at an OpenID Connect issuer (tests-e2e/tests/test_web_oidc.py).
const suite = process.env.KAIROS_WEB_SUITE ?? "main";
const tagged = /@ahead-clock|@oidc/;

export default defineConfig({
  testDir: "./tests",
  ...(suite === "main" ? { grepInvert: tagged } : { grep: new RegExp(`@${suite}\\b`) }),
  // A session booked to begin during the run, for started.spec.ts.
  globalSetup: "./tests/global-setup.ts",
  outputDir: `${reports}/test-results`,
  reporter: [["list"], ["html", { outputFolder: `${reports}/playwright`, open: "never" }]],
  timeout: 90_000,
  expect: { timeout: 20_000 },
  // One worker: the whole stack shares this machine's two cores with the browser.
  workers: 1,
  forbidOnly: !!process.env.CI,
  use: {
    baseURL: process.env.KAIROS_WEB_URL ?? "http://127.0.0.1:8080/",
    // The viewer lives in another zone than the mentors the tests seed (Europe/Madrid).
    timezoneId: "America/New_York",
    locale: "en-US",
    viewport: { width: 1280, height: 800 },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [{ name: "chromium" }],
});
