// Measures the admin order table in headless Chromium against a running
// server: time to first rows, row elements in the DOM, frames per second
// while scrolling top to bottom (requestAnimationFrame timing), and how
// long rows take to appear after jumping to the middle.
//
// Usage: node bench/admin-table.mjs BASE_URL LABEL
// Signs in as the demo admin. Prints one line of JSON and a readable summary.
import { createRequire } from 'node:module';
const require = createRequire(new URL('../end2end/package.json', import.meta.url));
const { chromium } = require('@playwright/test');

const [base, label = 'run'] = process.argv.slice(2);
if (!base || !/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/.test(base)) {
  console.error('usage: node bench/admin-table.mjs http://127.0.0.1:PORT LABEL (loopback only)');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
const signIn = await page.request.post(`${base}/api/auth/sign-in`, {
  data: { email: 'admin@bazaar.test', password: 'bazaar-demo-overseer' },
});
if (signIn.status() !== 200) throw new Error(`admin sign-in answered ${signIn.status()}`);

const rowSelector = '.order-rows [role=row]';
const loadedRow = `${rowSelector} [role=rowheader]`;

// Time to first rows: from navigation start until a row shows an order number.
await page.goto(`${base}/admin`, { waitUntil: 'commit' });
await page.waitForFunction((sel) => [...document.querySelectorAll(sel)].some((el) => /#\d+/.test(el.textContent)), loadedRow, { timeout: 30_000 });
const firstRowsMs = await page.evaluate(() => performance.now());
await page.waitForSelector('html[data-hydrated=true]', { timeout: 60_000 });
const total = await page.evaluate(() => Number(document.querySelector('[role=table][aria-label=Orders]').getAttribute('aria-rowcount')) - 1);
const rowElementsAtTop = await page.locator(rowSelector).count();

// Scroll top to bottom in about 8 s of frames: each frame moves the
// scroller by the same distance and records its timestamp.
const frames = await page.evaluate(async () => {
  const scroller = document.querySelector('.order-scroller');
  const distance = scroller.scrollHeight - scroller.clientHeight;
  const steps = 480;
  const stamps = [];
  await new Promise((resolve) => {
    let step = 0;
    const tick = (t) => {
      stamps.push(t);
      if (step >= steps) return resolve();
      step += 1;
      scroller.scrollTop = (distance * step) / steps;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  return stamps;
});
const deltas = frames.slice(1).map((t, i) => t - frames[i]).sort((a, b) => a - b);
const pct = (p) => deltas[Math.min(deltas.length - 1, Math.floor((deltas.length * p) / 100))];
const rowElementsAtBottom = await page.locator(rowSelector).count();

// Drag to the middle: how long until the rows there show order numbers.
const jumpMs = await page.evaluate(async (sel) => {
  const scroller = document.querySelector('.order-scroller');
  const start = performance.now();
  scroller.scrollTop = (scroller.scrollHeight - scroller.clientHeight) / 2;
  return await new Promise((resolve) => {
    const check = () => {
      const rows = [...document.querySelectorAll(sel)];
      const visible = rows.filter((r) => {
        const box = r.getBoundingClientRect();
        const view = scroller.getBoundingClientRect();
        return box.bottom > view.top && box.top < view.bottom;
      });
      if (visible.length > 0 && visible.every((r) => /#\d+/.test(r.textContent))) return resolve(performance.now() - start);
      if (performance.now() - start > 20_000) return resolve(-1);
      requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
}, rowSelector);

const result = {
  label,
  orders: total,
  first_rows_ms: Math.round(firstRowsMs),
  row_elements_top: rowElementsAtTop,
  row_elements_bottom: rowElementsAtBottom,
  frames: deltas.length,
  fps_median: +(1000 / pct(50)).toFixed(1),
  fps_p5: +(1000 / pct(95)).toFixed(1),
  worst_frame_ms: +deltas[deltas.length - 1].toFixed(1),
  jump_to_middle_ms: Math.round(jumpMs),
};
console.log(JSON.stringify(result));
console.log(
  `${label}: ${total} orders; first rows ${result.first_rows_ms} ms; row elements ${rowElementsAtTop} (top) / ${rowElementsAtBottom} (bottom); ` +
    `scroll ${result.frames} frames, median ${result.fps_median} FPS, 5th percentile ${result.fps_p5} FPS, worst frame ${result.worst_frame_ms} ms; ` +
    `jump to the middle ${result.jump_to_middle_ms} ms`,
);
await browser.close();
