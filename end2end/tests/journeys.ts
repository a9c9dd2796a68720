/**
 * User journeys shared by the JavaScript (`catalog.spec.ts`) and the
 * JavaScript-free (`catalog.nojs.spec.ts`) suites. Each step only uses what a
 * user can see and do, and waits for conditions rather than for time, so the
 * same code works for client-side navigation (hydrated app) and full page
 * loads (server-rendered HTML only).
 */
import { expect, type Page } from '@playwright/test';
import {
  cardLink,
  categoriesNav,
  exactly,
  expectOnlyCurrentVariant,
  expectProductPage,
  expectWellFormedCard,
  filterField,
  filtersForm,
  mainHeading,
  maxPriceCoveringHalf,
  parseCents,
  priceLine,
  productCards,
  productList,
  readListedPrices,
  readResultCount,
  searchBox,
  stockLine,
  variantFromUrl,
  variantGroup,
  variantLinkForSize,
} from './helpers';

/** From any page: open "Clothing" from the Categories navigation. Returns its product count. */
export async function browseToClothing(page: Page): Promise<number> {
  await categoriesNav(page).getByRole('link', { name: 'Clothing', exact: true }).click();
  await expect(page).toHaveURL(/\/c\/clothing(\?|$)/);
  await expect(mainHeading(page)).toHaveText('Clothing');
  const count = await readResultCount(page);
  expect(count, 'Clothing has products').toBeGreaterThan(0);
  await expectWellFormedCard(productCards(page).first());
  return count;
}

/** On a listing page showing `countBefore` products: tick "In stock only" and apply. */
export async function narrowToInStock(page: Page, countBefore: number): Promise<void> {
  const filters = filtersForm(page);
  await filters.getByRole('checkbox', { name: 'In stock only', exact: true }).check();
  await filters.getByRole('button', { name: 'Apply filters', exact: true }).click();

  await expect(page).toHaveURL(/[?&]in_stock=1(&|$)/);
  await expect(filters.getByRole('checkbox', { name: 'In stock only', exact: true })).toBeChecked();
  await expect(productList(page).getByText('Out of stock', { exact: true })).toHaveCount(0);
  await expect
    .poll(() => readResultCount(page), { message: 'in-stock filter never adds products' })
    .toBeLessThanOrEqual(countBefore);
}

/** Types `query` into the header search box and presses Enter. */
export async function searchFromHeader(page: Page, query: string): Promise<void> {
  await searchBox(page).fill(query);
  await searchBox(page).press('Enter');

  await expect(page).toHaveURL(new RegExp(`/search\\?(.*&)?q=${encodeURIComponent(query)}(&|$)`));
  await expect(mainHeading(page)).toHaveText(`Results for \u201c${query}\u201d`);
  expect(await readResultCount(page), `"${query}" finds products`).toBeGreaterThan(0);
}

/**
 * On a listing page: set "Max price" to a value that keeps at least half of
 * the products shown, sort by "Price: low to high" and apply. Checks the URL,
 * that every listed price respects the maximum and that the first two prices
 * are in non-decreasing order.
 */
export async function filterByMaxPriceSortedAscending(page: Page): Promise<void> {
  await expect(productCards(page).first()).toBeVisible();
  const countBefore = await readResultCount(page);
  const maxDollars = maxPriceCoveringHalf(await readListedPrices(page));

  const filters = filtersForm(page);
  await filterField(page, 'Max price').fill(String(maxDollars));
  await filterField(page, 'Sort by').selectOption({ label: 'Price: low to high' });
  await filters.getByRole('button', { name: 'Apply filters', exact: true }).click();

  await expect(page).toHaveURL(new RegExp(`[?&]max_price=${maxDollars}(\\.0+)?(&|$)`));
  await expect(page).toHaveURL(/[?&]sort=price_asc(&|$)/);

  // The URL may change before a client-side navigation has re-rendered the
  // results, so re-read the prices until they satisfy the filter.
  await expect(async () => {
    const prices = await readListedPrices(page);
    expect(prices.length, 'at least two products cost no more than the maximum').toBeGreaterThanOrEqual(2);
    for (const price of prices) {
      expect(price, 'listed price respects "Max price"').toBeLessThanOrEqual(maxDollars * 100);
    }
    expect(prices[0], 'cheapest product first').toBeLessThanOrEqual(prices[1]);
  }).toPass({ timeout: 10_000 });

  expect(await readResultCount(page)).toBeLessThanOrEqual(countBefore);
}

/** On a listing page: open the first product and check its page. Returns its name. */
export async function openFirstProduct(page: Page): Promise<string> {
  const first = productCards(page).first();
  await expectWellFormedCard(first);
  const name = (await cardLink(first).innerText()).trim();
  await cardLink(first).click();
  await expectProductPage(page, name);
  return name;
}

/** Reads the "Price: $12.34" line of the product page, in cents. */
async function readProductPrice(page: Page): Promise<{ text: string; cents: number }> {
  const text = (await priceLine(page).innerText()).trim();
  const cents = parseCents(text);
  if (cents === null) {
    throw new Error(`No amount in price line ${JSON.stringify(text)}`);
  }
  return { text, cents };
}

/**
 * On the product page of a T-Shirt: pick the first "S" variant, then the first
 * "XL" one, and check that the URL, the selected variant, and the price follow.
 */
export async function switchFromSmallToExtraLarge(page: Page): Promise<void> {
  const productName = (await mainHeading(page).innerText()).trim();

  // Small.
  const small = variantLinkForSize(page, 'S');
  const smallLabel = (await small.innerText()).trim();
  await small.click();
  await expect(page).toHaveURL(/[?&]variant=[^&#]+/);
  const smallSku = variantFromUrl(page);
  const smallLink = variantGroup(page).getByRole('link', { name: smallLabel, exact: true });
  await expectOnlyCurrentVariant(page, smallLink);
  await expect(stockLine(page)).toBeVisible();
  const smallPrice = await readProductPrice(page);

  // Extra large.
  const extraLarge = variantLinkForSize(page, 'XL');
  const extraLargeLabel = (await extraLarge.innerText()).trim();
  await extraLarge.click();
  await expect.poll(() => variantFromUrl(page), { message: 'URL names the XL variant' }).not.toBe(smallSku);
  await expect(page).toHaveURL(/[?&]variant=[^&#]+/);
  const extraLargeLink = variantGroup(page).getByRole('link', { name: extraLargeLabel, exact: true });
  await expectOnlyCurrentVariant(page, extraLargeLink);
  await expect(smallLink).not.toHaveAttribute('aria-current', 'true');

  await expect(priceLine(page)).not.toHaveText(exactly(smallPrice.text));
  await expect(stockLine(page)).toBeVisible();
  const extraLargePrice = await readProductPrice(page);
  expect(extraLargePrice.cents, `${extraLargeLabel} costs more than ${smallLabel}`).toBeGreaterThan(
    smallPrice.cents,
  );
  await expect(mainHeading(page)).toHaveText(productName);

  // The selection lives in the URL: loading it afresh shows the same variant.
  const response = await page.goto(page.url());
  expect(response?.status()).toBe(200);
  await expectOnlyCurrentVariant(page, extraLargeLink);
  await expect(priceLine(page)).toHaveText(exactly(extraLargePrice.text));
}
