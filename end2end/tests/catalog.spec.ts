/**
 * Catalogue journeys with JavaScript enabled: the server-rendered page is
 * hydrated by the WASM bundle before each journey starts.
 */
import { expect, type Page } from '@playwright/test';
import { test } from './helpers';
import {
  ALL_CATEGORY_NAMES,
  TOP_LEVEL_CATEGORIES,
  banner,
  cardLink,
  categoriesNav,
  expectProductPage,
  filtersForm,
  homeLink,
  main,
  mainHeading,
  paginationNav,
  productCards,
  productList,
  readResultCount,
  resultStatus,
  searchBox,
  searchButton,
  searchLandmark,
  waitForHydration,
} from './helpers';
import {
  browseToClothing,
  filterByMaxPriceSortedAscending,
  narrowToInStock,
  openFirstProduct,
  searchFromHeader,
  switchFromSmallToExtraLarge,
} from './journeys';

/** Loads `path`, expects HTTP 200 and waits until the app has hydrated. */
async function open(page: Page, path: string): Promise<void> {
  const response = await page.goto(path);
  expect(response?.status(), `GET ${path}`).toBe(200);
  await waitForHydration(page);
}

declare global {
  interface Window {
    __marker?: number;
  }
}

test.describe('page layout', () => {
  for (const path of ['/', '/search', '/search?q=lamp', '/c/clothing', '/c/books']) {
    test(`${path} has the header, search, category navigation and main landmarks`, async ({ page }) => {
      await open(page, path);

      await expect(banner(page)).toBeVisible();
      await expect(homeLink(page)).toBeVisible();
      await expect(searchLandmark(page)).toBeVisible();
      await expect(searchBox(page)).toBeEditable();
      await expect(searchBox(page)).toHaveAttribute('name', 'q');
      await expect(searchButton(page)).toBeVisible();
      for (const category of TOP_LEVEL_CATEGORIES) {
        await expect(
          categoriesNav(page).getByRole('link', { name: category.name, exact: true }),
        ).toBeVisible();
      }
      await expect(main(page)).toBeVisible();
      await expect(mainHeading(page)).toBeVisible();
    });
  }

  test('the "Bazaar" link leads home', async ({ page }) => {
    await open(page, '/c/books');
    await homeLink(page).click();
    await expect(page).toHaveURL('/');
    await expect(mainHeading(page)).toHaveText('Bazaar');
  });
});

test('home shows featured products and categories', async ({ page }) => {
  await open(page, '/');

  await expect(mainHeading(page)).toHaveText('Bazaar');
  await expect(main(page).getByRole('heading', { level: 2, name: 'Featured products', exact: true })).toBeVisible();
  await expect(main(page).getByRole('heading', { level: 2, name: 'Shop by category', exact: true })).toBeVisible();
  for (const category of TOP_LEVEL_CATEGORIES) {
    await expect(main(page).getByRole('link', { name: category.name, exact: true }).first()).toBeVisible();
  }

  // Featured products are the links in main that are not category links.
  const linkTexts = (await main(page).getByRole('link').allInnerTexts()).map((t) => t.trim());
  const productNames = linkTexts.filter((t) => /^\S+ \S+/.test(t) && !ALL_CATEGORY_NAMES.includes(t));
  expect(productNames.length, 'home features at least one product').toBeGreaterThan(0);

  const featured = productNames[0];
  await main(page).getByRole('link', { name: featured, exact: true }).first().click();
  await expectProductPage(page, featured);
});

test('browse a category and narrow it with a filter', async ({ page }) => {
  await open(page, '/');
  const clothingCount = await browseToClothing(page);
  await narrowToInStock(page, clothingCount);
});

test('search from the header', async ({ page }) => {
  await open(page, '/');
  await searchFromHeader(page, 'lamp');
  await expect(productList(page).getByRole('link', { name: /Lamp/ }).first()).toBeVisible();
});

test('filter by maximum price and sort by price, low to high', async ({ page }) => {
  await open(page, '/search');
  await expect(mainHeading(page)).toHaveText('Search results');
  await filterByMaxPriceSortedAscending(page);
});

test('open a product from the results', async ({ page }) => {
  await open(page, '/search');
  await openFirstProduct(page);
});

test('switch between variants of a T-Shirt', async ({ page }) => {
  await open(page, '/c/t-shirts');
  await expect(mainHeading(page)).toHaveText('T-Shirts');
  await openFirstProduct(page);
  await switchFromSmallToExtraLarge(page);
});

test('paginate through search results', async ({ page }) => {
  await open(page, '/search');
  const pagination = paginationNav(page);
  await expect(pagination.getByText(/^Page 1 of \d+$/)).toBeVisible();
  const pages = Number(/of (\d+)/.exec(await pagination.getByText(/^Page 1 of \d+$/).innerText())?.[1]);
  expect(pages, 'the demo catalogue spans several pages').toBeGreaterThan(1);
  await expect(pagination.getByRole('link', { name: 'Previous page', exact: true })).toHaveCount(0);
  await expect(productCards(page)).toHaveCount(24);
  const firstOnPageOne = (await cardLink(productCards(page).first()).innerText()).trim();

  await pagination.getByRole('link', { name: 'Next page', exact: true }).click();
  await expect(page).toHaveURL(/[?&]page=2(&|$)/);
  await expect(pagination.getByText(`Page 2 of ${pages}`, { exact: true })).toBeVisible();
  await expect(pagination.getByRole('link', { name: 'Previous page', exact: true })).toBeVisible();
  await expect(cardLink(productCards(page).first())).not.toHaveText(firstOnPageOne);
});

test('live search updates results and URL without a page load once hydrated', async ({ page }) => {
  await open(page, '/search');
  const status = resultStatus(page);
  await expect(status).toHaveText(/\d+ products?/);
  const unfilteredStatus = (await status.innerText()).trim();

  let documentLoads = 0;
  page.on('load', () => {
    documentLoads += 1;
  });
  await page.evaluate(() => {
    window.__marker = 1;
  });

  // Type without submitting the form.
  await searchBox(page).pressSequentially('lamp');

  await expect(page).toHaveURL(/\/search\?(.*&)?q=lamp(&|$)/);
  await expect(mainHeading(page)).toHaveText('Results for \u201clamp\u201d');
  await expect(status).not.toHaveText(unfilteredStatus);
  await expect(productList(page).getByRole('link', { name: /Lamp/ }).first()).toBeVisible();

  expect(await page.evaluate(() => window.__marker), 'the page was not reloaded').toBe(1);
  expect(documentLoads, 'no document load happened').toBe(0);
});

test.describe('unknown pages answer 404', () => {
  for (const path of ['/p/does-not-exist', '/c/nope']) {
    test(`${path} is "Page not found"`, async ({ page }) => {
      const response = await page.goto(path);
      expect(response?.status()).toBe(404);
      await expect(page.getByRole('heading', { level: 1, name: 'Page not found', exact: true })).toBeVisible();
      await expect(homeLink(page)).toBeVisible();
    });
  }
});

test.describe('bad query parameters never cause an error', () => {
  test('a non-numeric page shows page 1', async ({ page }) => {
    await open(page, '/search?page=abc');
    await expect(mainHeading(page)).toHaveText('Search results');
    const pagination = paginationNav(page);
    await expect(pagination.getByText(/^Page 1 of \d+$/)).toBeVisible();
    await expect(pagination.getByRole('link', { name: 'Previous page', exact: true })).toHaveCount(0);
    await expect(productCards(page).first()).toBeVisible();
  });

  test('a negative minimum price is ignored with an explanation', async ({ page }) => {
    await open(page, '/search');
    const unfilteredCount = await readResultCount(page);

    await open(page, '/search?min_price=-5');
    await expect(
      page.getByRole('alert').filter({ hasText: 'Min price must be' }),
    ).toHaveText('Min price must be a positive amount, like 10 or 10.50; ignored.');
    expect(await readResultCount(page), 'the filter was ignored').toBe(unfilteredCount);
    await expect(productCards(page).first()).toBeVisible();
  });

  test('nonsense in every parameter still renders results', async ({ page }) => {
    await open(
      page,
      '/search?category=nope&min_price=abc&max_price=-1&in_stock=maybe&min_rating=9&sort=bogus&page=-3',
    );
    await expect(mainHeading(page)).toHaveText('Search results');
    await expect(resultStatus(page)).toHaveText(/\d+ products?|No products match/);
    await expect(filtersForm(page)).toBeVisible();
  });
});
