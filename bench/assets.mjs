// What a repeat visitor downloads: opens `/` in headless Chromium, then a
// category page and `/` again in the same browser (the way a visitor
// moves on, by following links, not by forcing a reload), and reads the
// Resource Timing entries of each page: a resource with transferSize 0
// came from the browser's cache without asking the server.
//
// Usage: node bench/assets.mjs BASE_URL
// Prints, per visit, the assets asked for, how many went over the network
// and their bytes on the wire.
import { createRequire } from 'node:module';
const require = createRequire(new URL('../end2end/package.json', import.meta.url));
const { chromium } = require('@playwright/test');

const [base] = process.argv.slice(2);
if (!base || !/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/.test(base)) {
  console.error('usage: node bench/assets.mjs http://127.0.0.1:PORT (loopback only)');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await (await browser.newContext()).newPage();

async function visit(label, path) {
  await page.goto(`${base}${path}`);
  await page.waitForSelector('html[data-hydrated=true]', { timeout: 60_000 });
  const assets = await page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .filter((e) => new URL(e.name).pathname.startsWith('/pkg/'))
      .map((e) => ({ path: new URL(e.name).pathname, transferred: e.transferSize, encoded: e.encodedBodySize })),
  );
  const fetched = assets.filter((a) => a.transferred > 0);
  const bytes = fetched.reduce((sum, a) => sum + a.transferred, 0);
  console.log(
    `${label.padEnd(28)} ${String(assets.length).padStart(2)} assets, ${String(fetched.length).padStart(2)} over the network, ${(bytes / 1024).toFixed(1)} KiB transferred`,
  );
  return { label, path, assets: assets.length, fetched: fetched.length, bytes };
}

const results = [await visit('first visit /', '/'), await visit('then /c/clothing', '/c/clothing'), await visit('then / again', '/')];
await browser.close();
console.log(JSON.stringify(results));
