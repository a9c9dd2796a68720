// Lighthouse's performance and accessibility scores for a few pages, on
// the desktop preset, in Chromium started afresh for every run (a first
// visit each time: empty cache, no cookies).
//
// Usage: node bench/lighthouse.mjs BASE_URL RUNS REPORT_DIR PATH...
// Env:   LIGHTHOUSE_DIR (target/tools/lighthouse: where `lighthouse` is
//        installed), CHROME_PATH (/usr/bin/chromium)
//
// The pages are measured in rounds (every page once, then again), so a
// slower moment of a shared machine falls on all of them alike. Prints per
// page the median score and its spread, the median Largest Contentful
// Paint and Total Blocking Time, whether each score meets 95, and what
// cost points in the median run; writes every run's JSON and HTML report
// to REPORT_DIR and a JSON summary as the last line.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const TARGET = 95;
const [base, runsArg, reportDir, ...paths] = process.argv.slice(2);
const runs = Number(runsArg);
if (!base || !/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/.test(base) || !(runs >= 1) || !reportDir || paths.length === 0) {
  console.error('usage: node bench/lighthouse.mjs http://127.0.0.1:PORT RUNS REPORT_DIR PATH... (loopback only)');
  process.exit(2);
}

const toolDir = resolve(process.env.LIGHTHOUSE_DIR || new URL('../target/tools/lighthouse', import.meta.url).pathname);
const load = (file) => import(pathToFileURL(join(toolDir, 'node_modules', file)).href);
const { default: lighthouse } = await load('lighthouse/core/index.js');
const { default: desktopConfig } = await load('lighthouse/core/config/desktop-config.js');
const chromeLauncher = await load('chrome-launcher/dist/index.js');

// The flags the Playwright suite runs Chromium with; the background
// networking ones keep it from calling Google's services, which this
// closed network refuses. Debian's Chromium still looks up a few Google
// hosts at start-up even so: the resolver rule answers every name but the
// loopback's "not found" without asking DNS, so nothing leaves the machine.
const chromeFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
];
const flags = {
  onlyCategories: ['performance', 'accessibility'],
  output: ['json', 'html'],
  logLevel: 'error',
};

// One Lighthouse run in a fresh Chromium. On a busy machine the trace
// sometimes misses the navigation's start (NO_NAVSTART): such a run has
// no figures, so it is tried again, twice at most.
async function measure(path, run) {
  for (let attempt = 1; ; attempt++) {
    const chrome = await chromeLauncher.launch({ chromePath: process.env.CHROME_PATH || '/usr/bin/chromium', chromeFlags });
    let result;
    try {
      result = await lighthouse(`${base}${path}`, { ...flags, port: chrome.port }, desktopConfig);
    } finally {
      await chrome.kill();
    }
    const error = result.lhr.runtimeError;
    if (!error) return result;
    if (attempt === 3) throw new Error(`${path} run ${run}: ${error.code} ${error.message}`);
    console.warn(`  ${path} run ${run}: ${error.code}, trying again`);
  }
}

mkdirSync(reportDir, { recursive: true });
const results = Object.fromEntries(paths.map((path) => [path, []]));
for (let run = 1; run <= runs; run++) {
  for (const path of paths) {
    const result = await measure(path, run);
    const lhr = result.lhr;
    const name = `${path === '/' ? 'home' : path.replace(/^\//, '').replace(/\//g, '_')}-${run}`;
    writeFileSync(join(reportDir, `${name}.json`), result.report[0]);
    writeFileSync(join(reportDir, `${name}.html`), result.report[1]);
    const outside = (lhr.audits['network-requests']?.details?.items ?? []).map((r) => r.url).filter((url) => !url.startsWith(base) && !url.startsWith('data:'));
    if (outside.length) console.warn(`  ${path} run ${run}: requests beyond ${base}: ${outside.join(', ')}`);
    const entry = {
      performance: Math.round(lhr.categories.performance.score * 100),
      accessibility: Math.round(lhr.categories.accessibility.score * 100),
      lcpMs: lhr.audits['largest-contentful-paint'].numericValue,
      tbtMs: lhr.audits['total-blocking-time'].numericValue,
      fcpMs: lhr.audits['first-contentful-paint'].numericValue,
      cls: lhr.audits['cumulative-layout-shift'].numericValue,
      lhr,
    };
    results[path].push(entry);
    console.log(
      `  run ${run} ${path.padEnd(34)} performance ${entry.performance}, accessibility ${entry.accessibility}, ` +
        `LCP ${entry.lcpMs.toFixed(0)} ms, TBT ${entry.tbtMs.toFixed(0)} ms`,
    );
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const spread = (xs) => `${Math.min(...xs)}–${Math.max(...xs)}`;
const ms = (x) => `${Math.round(x)} ms`;

// What cost points in one report: failed accessibility audits, and
// performance audits (metrics, opportunities, diagnostics) below a pass.
function losses(lhr) {
  const failing = (category) =>
    lhr.categories[category].auditRefs
      .map((ref) => ({ ref, audit: lhr.audits[ref.id] }))
      .filter(({ audit }) => audit.score !== null && audit.score < 0.9 && audit.scoreDisplayMode !== 'informative' && audit.scoreDisplayMode !== 'notApplicable')
      .map(({ ref, audit }) => `${ref.id} (${audit.displayValue ? `${audit.displayValue}, ` : ''}score ${audit.score.toFixed(2)}${ref.weight ? `, weight ${ref.weight}` : ''})`);
  return { performance: failing('performance'), accessibility: failing('accessibility') };
}

console.log();
const summary = [];
for (const path of paths) {
  const rs = results[path];
  const perf = rs.map((r) => r.performance);
  const a11y = rs.map((r) => r.accessibility);
  const row = {
    path,
    runs: rs.length,
    performance: { median: median(perf), min: Math.min(...perf), max: Math.max(...perf) },
    accessibility: { median: median(a11y), min: Math.min(...a11y), max: Math.max(...a11y) },
    lcpMs: { median: median(rs.map((r) => r.lcpMs)), min: Math.min(...rs.map((r) => r.lcpMs)), max: Math.max(...rs.map((r) => r.lcpMs)) },
    tbtMs: { median: median(rs.map((r) => r.tbtMs)), min: Math.min(...rs.map((r) => r.tbtMs)), max: Math.max(...rs.map((r) => r.tbtMs)) },
    fcpMs: median(rs.map((r) => r.fcpMs)),
    cls: median(rs.map((r) => r.cls)),
  };
  summary.push(row);
  const meets = (m) => (m >= TARGET ? `meets ${TARGET}` : `UNDER ${TARGET}`);
  console.log(`${path}  (${rs.length} runs)`);
  console.log(`  performance   ${row.performance.median} (${spread(perf)})  ${meets(row.performance.median)}`);
  console.log(`  accessibility ${row.accessibility.median} (${spread(a11y)})  ${meets(row.accessibility.median)}`);
  console.log(
    `  LCP ${ms(row.lcpMs.median)} (${ms(row.lcpMs.min)}–${ms(row.lcpMs.max)}), TBT ${ms(row.tbtMs.median)} (${ms(row.tbtMs.min)}–${ms(row.tbtMs.max)}), ` +
      `FCP ${ms(row.fcpMs)}, CLS ${row.cls.toFixed(3)}`,
  );
  // The run whose performance score is the median's (the nearest one).
  const typical = [...rs].sort((a, b) => Math.abs(a.performance - row.performance.median) - Math.abs(b.performance - row.performance.median))[0];
  const lost = losses(typical.lhr);
  for (const category of ['performance', 'accessibility']) {
    if (lost[category].length) console.log(`  ${category} lost on: ${lost[category].join('; ')}`);
  }
}
console.log(JSON.stringify(summary));
