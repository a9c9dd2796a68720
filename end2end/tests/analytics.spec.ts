/**
 * Sales analytics (/admin/analytics): after a customer's order, an admin
 * opens the page from the desk's navigation, finds the revenue chart by its
 * accessible name and the same figures in its table fallback, and switches
 * the period with a preset link; a customer is not allowed. Every journey
 * finds things by role, label or text; none waits for a fixed time.
 */
import { expect } from '@playwright/test';
import { main, mainHeading, parseCents, test } from './helpers';
import { CARDS, addToCart, checkoutForm, open, openFirstInStockProduct, placeOrder, signUpFreshCustomer, signIn } from './shopping';

/** The demo accounts (server/src/seed/accounts.rs). */
const ADMIN = { email: 'admin@bazaar.test', password: 'bazaar-demo-overseer' };
const CUSTOMER = { email: 'customer@bazaar.test', password: 'bazaar-demo-shopper' };

/** The UTC day `daysAgo` days before now, as the report writes days. */
function utcDay(daysAgo = 0): string {
  return new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

test('an admin sees the sales chart and its table fallback', async ({ page, browser }) => {
  test.slow();
  // A customer's order, so that today has a sale.
  const shopper = await (await browser.newContext()).newPage();
  await signUpFreshCustomer(shopper);
  const chosen = await openFirstInStockProduct(shopper, '/c/t-shirts');
  await addToCart(shopper);
  await open(shopper, '/checkout');
  await expect(checkoutForm(shopper)).toBeVisible();
  await placeOrder(shopper, CARDS.success);
  await expect(shopper).toHaveURL(/\/orders\/\d+$/);
  await shopper.context().close();

  await signIn(page, ADMIN);
  await open(page, '/admin');
  await main(page).getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Analytics', exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/analytics$/);
  await expect(mainHeading(page)).toHaveText('Sales analytics');

  // The last 30 days by default: the chart, named by its <title>.
  const period = `${utcDay(29)} to ${utcDay()}`;
  await expect(page.getByRole('img', { name: `Revenue per day, ${period}`, exact: true })).toBeVisible();
  await expect(page.getByRole('img', { name: `Orders per day, ${period}`, exact: true })).toBeVisible();

  // Its table, behind "Show as table": a row per day, today's with the order.
  await main(page).getByText('Show as table', { exact: true }).click();
  const table = page.getByRole('table', { name: 'Revenue and orders per day', exact: true });
  await expect(table).toBeVisible();
  await expect(table.getByRole('row')).toHaveCount(1 + 30);
  const today = table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: utcDay(), exact: true }) });
  const cells = today.getByRole('cell');
  expect(Number(await cells.nth(0).innerText()), 'orders today').toBeGreaterThanOrEqual(1);
  expect(parseCents(await cells.nth(1).innerText()), 'revenue today').toBeGreaterThan(0);

  // The product bought is ranked, and its category has sales.
  const top = page.getByRole('table', { name: 'Top products by revenue', exact: true });
  await expect(top.getByRole('link', { name: chosen.productName, exact: true })).toBeVisible();
  await expect(page.getByRole('img', { name: 'Top products by revenue', exact: true })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Sales by category', exact: true }).getByRole('rowheader', { name: 'T-Shirts' })).toBeVisible();
  await expect(main(page).getByText(/^Not available: the shop keeps no record of carts/)).toBeVisible();

  // A preset link: the last 7 days.
  await page.getByRole('navigation', { name: 'Periods' }).getByRole('link', { name: '7 days', exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/analytics\?days=7$/);
  await expect(page.getByRole('img', { name: `Revenue per day, ${utcDay(6)} to ${utcDay()}`, exact: true })).toBeVisible();
  await expect(page.getByLabel('From', { exact: true })).toHaveValue(utcDay(6));
  await expect(page.getByLabel('To', { exact: true })).toHaveValue(utcDay());
});

test('a customer is not allowed at /admin/analytics', async ({ page }) => {
  await signIn(page, CUSTOMER);
  const response = await page.goto('/admin/analytics');
  expect(response?.status(), 'GET /admin/analytics as a customer').toBe(403);
  await expect(mainHeading(page)).toHaveText('Not allowed');
});
