import { defineConfig, devices } from '@playwright/test';

/** Where the Bazaar server under test listens. */
export const baseURL = process.env.BAZAAR_BASE_URL ?? 'http://127.0.0.1:3000';

/** Use the system Chromium; `npx playwright install` is never run on this machine. */
const launchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

/** Specs that must run with JavaScript disabled, e.g. `catalog.nojs.spec.ts`. */
const NO_JS_SPECS = /nojs\..*spec\.ts/;

export default defineConfig({
  testDir: './tests',
  globalSetup: './global-setup.ts',
  // The machine has 2 cores and the server shares them.
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      testIgnore: NO_JS_SPECS,
      use: { ...devices['Desktop Chrome'], launchOptions },
    },
    {
      name: 'chromium-no-js',
      testMatch: NO_JS_SPECS,
      use: { ...devices['Desktop Chrome'], javaScriptEnabled: false, launchOptions },
    },
  ],
});
