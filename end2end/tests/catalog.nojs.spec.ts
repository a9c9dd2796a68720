/**
 * Catalogue journeys with JavaScript disabled (project "chromium-no-js"): every
 * step must work from the server-rendered HTML alone — links, and forms
 * submitted natively by GET.
 */
import { expect, type Page } from '@playwright/test';
import { test } from './helpers';
import { mainHeading, paginationNav, productCards, productList } from './helpers';
import {
  browseToClothing,
  filterByMaxPriceSortedAscending,
  narrowToInStock,
  openFirstProduct,
  searchFromHeader,
  switchFromSmallToExtraLarge,
} from './journeys';

/** Loads `path` and expects HTTP 200. */
async function open(page: Page, path: string): Promise<void> {
  const response = await page.goto(path);
  expect(response?.status(), `GET ${path}`).toBe(200);
}

/** Without JavaScript the WASM never runs, so `<html>` never gets `data-hydrated`. */
async function expectNotHydrated(page: Page): Promise<void> {
  await page.waitForLoadState('load');
  await expect(page.locator('html')).not.toHaveAttribute('data-hydrated');
}

test.beforeEach(() => {
  expect(test.info().project.use.javaScriptEnabled, 'this file runs with JavaScript disabled').toBe(false);
});

test('JavaScript is really off: the page is never hydrated', async ({ page }) => {
  await open(page, '/');
  await expect(mainHeading(page)).toHaveText('Bazaar');
  await expectNotHydrated(page);
});

test('browse → search → filter → open product → switch variant, without JavaScript', async ({ page }) => {
  await test.step('browse: Clothing from the Categories navigation, then "In stock only"', async () => {
    await open(page, '/');
    await expectNotHydrated(page);
    const clothingCount = await browseToClothing(page);
    await narrowToInStock(page, clothingCount);
  });

  await test.step('search: type "lamp" and press Enter', async () => {
    await searchFromHeader(page, 'lamp');
    await expect(productList(page).getByRole('link', { name: /Lamp/ }).first()).toBeVisible();
  });

  await test.step('filter: maximum price, sorted low to high, keeping the search', async () => {
    await filterByMaxPriceSortedAscending(page);
    await expect(page, 'applying filters keeps the search query').toHaveURL(/[?&]q=lamp(&|$)/);
    await expect(mainHeading(page)).toHaveText('Results for \u201clamp\u201d');
  });

  await test.step('open the first product', async () => {
    await openFirstProduct(page);
  });

  await test.step('switch a T-Shirt from S to XL', async () => {
    await open(page, '/c/t-shirts');
    await expect(mainHeading(page)).toHaveText('T-Shirts');
    await openFirstProduct(page);
    await switchFromSmallToExtraLarge(page);
  });

  await expectNotHydrated(page);
});

test('pagination links work without JavaScript', async ({ page }) => {
  await open(page, '/search');
  const pagination = paginationNav(page);
  await expect(pagination.getByText(/^Page 1 of \d+$/)).toBeVisible();
  await expect(productCards(page)).toHaveCount(24);

  await pagination.getByRole('link', { name: 'Next page', exact: true }).click();
  await expect(page).toHaveURL(/[?&]page=2(&|$)/);
  await expect(pagination.getByText(/^Page 2 of \d+$/)).toBeVisible();
  await expect(pagination.getByRole('link', { name: 'Previous page', exact: true })).toBeVisible();
});

test('unknown product answers 404 without JavaScript', async ({ page }) => {
  const response = await page.goto('/p/does-not-exist');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found', exact: true })).toBeVisible();
});
