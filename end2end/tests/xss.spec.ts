/**
 * Hostile text in the URL reaches the page title and the page as text,
 * never as markup: in the server's HTML and after the WASM has hydrated.
 */
import { expect } from '@playwright/test';
import { test } from './helpers';
import { waitForHydration } from './helpers';

const HOSTILE = 'Lamp </title><script>window.__xss=1</script>"><img src=x onerror="window.__xss=1">';

test('a search query with markup stays text in the title and the page', async ({ page }) => {
  const dialogs: string[] = [];
  page.on('dialog', async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  const response = await page.goto(`/search?q=${encodeURIComponent(HOSTILE)}`);
  expect(response?.status()).toBe(200);

  // Before hydration: the server's HTML.
  const html = await response!.text();
  expect(html).not.toContain('<script>window.__xss');
  expect(html).not.toContain('<img src=x');

  await waitForHydration(page);
  await expect(page).toHaveTitle(`Results for “${HOSTILE}” · Bazaar`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Results for “${HOSTILE}”`);
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  expect(await page.locator('img[src="x"]').count()).toBe(0);
  expect(dialogs).toEqual([]);
});
