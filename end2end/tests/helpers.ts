import { test as base, expect, type Locator, type Page } from '@playwright/test';

/**
 * Playwright's `test`, with two automatic checks added to every test that
 * uses it. The test fails if the page reports any Content-Security-Policy
 * violation: Chromium writes each blocked script, style or connection to
 * the console ("Refused to … because it violates the following Content
 * Security Policy directive …"), with or without JavaScript; with
 * JavaScript the page's `securitypolicyviolation` events are logged too.
 * And it fails if the app crashed in the browser (an uncaught exception,
 * or a Rust panic, which leaves the page's handlers dead): a journey that
 * then times out on a click would otherwise hide the cause.
 * Specs import `test` from here rather than from '@playwright/test'.
 */
export const test = base.extend<{ failOnCspViolation: void; failOnCrash: void }>({
  failOnCrash: [
    async ({ page }, use) => {
      const crashes: string[] = [];
      page.on('pageerror', (error) => {
        // A journey that moves on while a lazy route's chunk is still
        // loading aborts that fetch: the browser's doing, not the app's
        // (a chunk that really fails to load leaves the page unhydrated,
        // which the journey's own checks catch).
        if (!error.message.startsWith('Failed to fetch dynamically imported module')) {
          crashes.push(`${page.url()}: ${error.message}`);
        }
      });
      const details: Promise<void>[] = [];
      page.on('console', (message) => {
        if (message.type() !== 'error') {
          return;
        }
        if (/panicked at/.test(message.text())) {
          crashes.push(`${page.url()}: ${message.text()}`);
        } else if (/hydration error occurred/.test(message.text())) {
          // Leptos logs the node it did not expect as a live object: keep
          // its HTML and its parent's, which locate the mismatch.
          details.push(
            (async () => {
              const [, node] = message.args();
              const found = node
                ? await node
                    .evaluate((n: Node) => {
                      const html = (x: Node | null) =>
                        x instanceof Element ? x.outerHTML : `${x?.nodeName} ${JSON.stringify(x?.textContent)}`;
                      return `${html(n)}\n  in ${html(n.parentNode).slice(0, 2000)}`;
                    })
                    .catch(() => 'the node is gone')
                : 'no node';
              const resources = await page
                .evaluate(() =>
                  JSON.stringify(
                    ((window as unknown as { __RESOLVED_RESOURCES?: unknown[] }).__RESOLVED_RESOURCES ?? []).map((r) =>
                      String(r).slice(0, 60),
                    ),
                  ),
                )
                .catch(() => '?');
              crashes.push(`${page.url()}: ${message.text().split('\n')[0]}\n  found ${found}\n  resources ${resources}`);
            })(),
          );
        }
      });
      await use();
      await Promise.all(details);
      expect(crashes, 'the app crashed in the browser').toEqual([]);
    },
    { auto: true },
  ],
  failOnCspViolation: [
    async ({ page }, use) => {
      const violations: string[] = [];
      page.on('console', (message) => {
        const text = message.text();
        if (/Content[- ]Security[- ]Policy/i.test(text)) {
          violations.push(`${page.url()}: ${text}`);
        }
      });
      await page.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (event) => {
          console.error(
            `Content-Security-Policy violation: ${event.violatedDirective} blocked ${event.blockedURI || 'inline code'}`,
          );
        });
      });
      await use();
      expect(violations, 'Content-Security-Policy violations reported by the page').toEqual([]);
    },
    { auto: true },
  ],
});

/** Top-level categories, in the order of the demo data (slug → name). */
export const TOP_LEVEL_CATEGORIES = [
  { slug: 'home-kitchen', name: 'Home & Kitchen' },
  { slug: 'clothing', name: 'Clothing' },
  { slug: 'electronics', name: 'Electronics' },
  { slug: 'outdoors', name: 'Outdoors' },
  { slug: 'books', name: 'Books' },
] as const;

/** Every category name (top level and children). */
export const ALL_CATEGORY_NAMES: readonly string[] = [
  ...TOP_LEVEL_CATEGORIES.map((c) => c.name),
  'Lighting',
  'Cookware',
  'Furniture',
  'T-Shirts',
  'Jackets',
  'Shoes',
  'Headphones',
  'Keyboards',
  'Camping',
  'Cycling',
];

/** A real 1×1 PNG, for uploads. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==',
  'base64',
);

/** Text of the result-count status: "123 products", "1 product" or "No products match". */
export const RESULT_COUNT = /(\d+) products?|No products match/;

/**
 * Waits until the WASM bundle has hydrated the page. The app sets
 * `data-hydrated="true"` on `<html>` once hydration is done; this is the only
 * attribute-based locator the suite uses.
 */
export async function waitForHydration(page: Page): Promise<void> {
  // The first page of a run compiles the debug WASM bundle (several MB),
  // which takes far longer than the default wait on a busy 2-core machine.
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 25_000 });
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Matches a string exactly, as a regular expression. */
export function exactly(text: string): RegExp {
  return new RegExp(`^${escapeRegExp(text)}$`);
}

/**
 * Parses the first dollar amount in `text` ("From $1,234.50" → 123450).
 * Returns the amount in cents, or null when the text holds no amount.
 */
export function parseCents(text: string): number | null {
  const match = /\$\s*(\d{1,3}(?:,\d{3})*|\d+)(?:\.(\d{1,2}))?/.exec(text);
  if (!match) {
    return null;
  }
  const dollars = Number(match[1].replace(/,/g, ''));
  const cents = match[2] ? Number(match[2].padEnd(2, '0')) : 0;
  return dollars * 100 + cents;
}

// ---------------------------------------------------------------------------
// Page furniture present on every page
// ---------------------------------------------------------------------------

export function banner(page: Page): Locator {
  return page.getByRole('banner');
}

export function homeLink(page: Page): Locator {
  return banner(page).getByRole('link', { name: 'Bazaar', exact: true });
}

export function searchLandmark(page: Page): Locator {
  return page.getByRole('search');
}

export function searchBox(page: Page): Locator {
  return searchLandmark(page).getByLabel('Search products', { exact: true });
}

export function searchButton(page: Page): Locator {
  return searchLandmark(page).getByRole('button', { name: 'Search', exact: true });
}

export function categoriesNav(page: Page): Locator {
  return page.getByRole('navigation', { name: 'Categories', exact: true });
}

export function main(page: Page): Locator {
  return page.getByRole('main');
}

export function mainHeading(page: Page): Locator {
  return main(page).getByRole('heading', { level: 1 });
}

// ---------------------------------------------------------------------------
// Listing pages (/search and /c/{slug})
// ---------------------------------------------------------------------------

export function resultStatus(page: Page): Locator {
  return main(page).getByRole('status');
}

export function filtersForm(page: Page): Locator {
  return page.getByRole('form', { name: 'Filters', exact: true });
}

/**
 * A field of the Filters form, by the start of its label. Matching the start
 * (not the whole name) keeps this working whether the <label> wraps the
 * control — then a select's name also includes its selected option, e.g.
 * "Sort by Relevance" — or points at it with for="…".
 */
export function filterField(page: Page, label: string): Locator {
  return filtersForm(page).getByLabel(new RegExp(`^${escapeRegExp(label)}\\b`));
}

export function productList(page: Page): Locator {
  return page.getByRole('list', { name: 'Products', exact: true });
}

export function productCards(page: Page): Locator {
  return productList(page).getByRole('article');
}

/** The product-name link in a card (the card's h2 is a link). */
export function cardLink(card: Locator): Locator {
  return card.getByRole('heading', { level: 2 }).getByRole('link');
}

export function paginationNav(page: Page): Locator {
  return page.getByRole('navigation', { name: 'Pagination', exact: true });
}

/** Waits for the result-count status and returns the number it states. */
export async function readResultCount(page: Page): Promise<number> {
  const status = resultStatus(page);
  await expect(status).toHaveText(RESULT_COUNT);
  const text = (await status.innerText()).trim();
  const match = /(\d+) products?/.exec(text);
  return match ? Number(match[1]) : 0;
}

/**
 * Returns the price (in cents) of every product card on the page, in display
 * order. Each card shows "$12.34" or "From $12.34" (its lowest variant price);
 * the product name and rating text never contain a dollar sign.
 */
export async function readListedPrices(page: Page): Promise<number[]> {
  const prices: number[] = [];
  for (const card of await productCards(page).all()) {
    const text = await card.innerText();
    const cents = parseCents(text);
    if (cents === null) {
      throw new Error(`Product card shows no price: ${JSON.stringify(text)}`);
    }
    prices.push(cents);
  }
  return prices;
}

/**
 * A whole-dollar maximum price that at least half of the given prices (and at
 * least two of them, if two or more are given) are at or below.
 */
export function maxPriceCoveringHalf(pricesInCents: number[]): number {
  const sorted = [...pricesInCents].sort((a, b) => a - b);
  const pivot = sorted[Math.floor(sorted.length / 2)];
  return Math.ceil(pivot / 100);
}

/** Checks the shared shape of one product card in a listing. */
export async function expectWellFormedCard(card: Locator): Promise<void> {
  await expect(cardLink(card)).toHaveText(/\S+ \S+/);
  await expect(card).toContainText(/\$\d+(\.\d{2})?/);
  await expect(card).toContainText(/\d(\.\d)? out of 5 \(\d+ reviews?\)|No reviews yet/);
}

// ---------------------------------------------------------------------------
// Product page (/p/{slug})
// ---------------------------------------------------------------------------

export function purchaseOptions(page: Page): Locator {
  return page.getByRole('region', { name: 'Purchase options', exact: true });
}

/** The "Price: $12.34" text inside the purchase options. */
export function priceLine(page: Page): Locator {
  return purchaseOptions(page).getByText(/^Price: \$\d/);
}

/** "In stock (N available)" or "Out of stock" inside the purchase options. */
export function stockLine(page: Page): Locator {
  return purchaseOptions(page).getByText(/^(In stock \(\d+ available\)|Out of stock)$/);
}

export function variantGroup(page: Page): Locator {
  return page.getByRole('group', { name: 'Choose a variant', exact: true });
}

/** The first variant link whose label starts with the given size ("S / Red"). */
export function variantLinkForSize(page: Page, size: string): Locator {
  return variantGroup(page)
    .getByRole('link', { name: new RegExp(`^${escapeRegExp(size)} /`) })
    .first();
}

export function variantFromUrl(page: Page): string | null {
  return new URL(page.url()).searchParams.get('variant');
}

/** Checks everything a product page must show for the product `name`. */
export async function expectProductPage(page: Page, name: string): Promise<void> {
  await expect(page).toHaveURL(/\/p\/[^/?#]+/);
  await expect(mainHeading(page)).toHaveText(name);
  await expect(
    page.getByRole('img', { name: new RegExp(`^${escapeRegExp(name)} — image \\d+$`) }).first(),
  ).toBeVisible();
  await expect(priceLine(page)).toBeVisible();
  await expect(stockLine(page)).toBeVisible();
  await expect(variantGroup(page).getByRole('link').first()).toBeVisible();
  await expect(main(page).getByRole('heading', { level: 2, name: 'Reviews', exact: true })).toBeVisible();
  await expect(
    main(page)
      .getByText(/^(Rated \d(\.\d)? out of 5 from \d+ reviews?|No reviews yet)$/)
      .first(),
  ).toBeVisible();
}

/** How many variant links are marked aria-current="true". */
export async function countCurrentVariants(page: Page): Promise<number> {
  let current = 0;
  for (const link of await variantGroup(page).getByRole('link').all()) {
    if ((await link.getAttribute('aria-current')) === 'true') {
      current += 1;
    }
  }
  return current;
}

/** Exactly one variant link is marked aria-current="true", and it is `expected`. */
export async function expectOnlyCurrentVariant(page: Page, expected: Locator): Promise<void> {
  await expect(expected).toHaveAttribute('aria-current', 'true');
  await expect
    .poll(() => countCurrentVariants(page), {
      message: 'exactly one variant link is marked aria-current="true"',
    })
    .toBe(1);
}
