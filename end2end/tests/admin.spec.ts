/**
 * The admin order desk (/admin): who may open it, what it shows, editing an
 * order from two browsers at once (the conflict panel), and live updates
 * between customers and admins without reloading. Every journey finds
 * things by role, label or text; none waits for a fixed time.
 */
import { readFile } from 'node:fs/promises';
import { expect, type Browser, type Locator, type Page } from '@playwright/test';
import { main, mainHeading, test } from './helpers';
import { CARDS, addToCart, checkoutForm, open, openFirstInStockProduct, placeOrder, signUpFreshCustomer, signIn } from './shopping';

declare global {
  interface Window {
    __deskMarker?: number;
  }
}

/** The demo accounts (server/src/seed/accounts.rs). */
const ADMIN = { email: 'admin@bazaar.test', password: 'bazaar-demo-overseer' };
const CUSTOMER = { email: 'customer@bazaar.test', password: 'bazaar-demo-shopper' };

/** Live updates travel over a WebSocket; allow for a slow, busy machine. */
const LIVE = { timeout: 15_000 };

/** A new browser (its own cookies) signed in as the demo admin. */
async function adminBrowser(browser: Browser): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, ADMIN);
  return page;
}

/** A fresh customer places an order; returns its number. Stays on its page. */
async function placeOrderAsNewCustomer(page: Page): Promise<number> {
  await signUpFreshCustomer(page);
  await openFirstInStockProduct(page, '/c/t-shirts');
  await addToCart(page);
  await open(page, '/checkout');
  await expect(checkoutForm(page)).toBeVisible();
  await placeOrder(page, CARDS.success);
  await expect(page).toHaveURL(/\/orders\/\d+$/);
  const id = Number(/\/orders\/(\d+)$/.exec(page.url())?.[1]);
  await expect(main(page).getByText('Status: Confirmed', { exact: true })).toBeVisible();
  return id;
}

function ordersTable(page: Page): Locator {
  return page.getByRole('table', { name: 'Orders', exact: true });
}

function kpiCard(page: Page, name: string): Locator {
  return page.getByRole('article', { name, exact: true });
}

function editButton(page: Page, id: number): Locator {
  return ordersTable(page).getByRole('button', { name: `Edit order #${id}`, exact: true });
}

function editDialog(page: Page, id: number): Locator {
  return page.getByRole('dialog', { name: `Edit order #${id}`, exact: true });
}

function conflictPanel(dialog: Locator): Locator {
  return dialog
    .getByRole('alert')
    .filter({ has: dialog.page().getByRole('heading', { name: 'This order was changed by someone else', exact: true }) });
}

/** Opens the desk (hydrated, subscribed to live updates). */
async function openDesk(page: Page, path = '/admin'): Promise<void> {
  await open(page, path);
  await expect(ordersTable(page)).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: /^Live$/ })).toBeVisible(LIVE);
}

/** Opens the desk filtered to order `id` and its edit dialog, loaded. */
async function openEditor(page: Page, id: number): Promise<Locator> {
  // "#12" finds order 12 only (a bare number also matches emails).
  await openDesk(page, `/admin?q=${encodeURIComponent(`#${id}`)}`);
  await editButton(page, id).click();
  const dialog = editDialog(page, id);
  await expect(dialog.getByText(/^Version \d+$/)).toBeVisible();
  return dialog;
}

async function readVersion(dialog: Locator): Promise<number> {
  const text = (await dialog.getByText(/^Version \d+$/).innerText()).trim();
  return Number(text.replace('Version ', ''));
}

/** Reads a KPI card's whole-number figure ("1,234" → 1234). */
async function readFigure(card: Locator): Promise<number> {
  const value = card.getByText(/^[\d,]+$/);
  await expect(value).toBeVisible();
  return Number((await value.innerText()).replace(/,/g, ''));
}

test('a customer is not allowed at /admin', async ({ page }) => {
  await signIn(page, CUSTOMER);
  const response = await page.goto('/admin');
  expect(response?.status(), 'GET /admin as a customer').toBe(403);
  await expect(mainHeading(page)).toHaveText('Not allowed');
  await expect(main(page).getByText(/for the shop's staff/)).toBeVisible();
  await expect(main(page).getByRole('link', { name: 'Back to the shop', exact: true })).toBeVisible();
  await expect(ordersTable(page)).toHaveCount(0);
});

test('a guest is asked to sign in', async ({ page }) => {
  await open(page, '/admin');
  await expect(main(page).getByRole('link', { name: 'sign in', exact: true })).toHaveAttribute(
    'href',
    '/sign-in?next=/admin',
  );
  await expect(ordersTable(page)).toHaveCount(0);
});

test('the admin sees the KPI cards and a virtualized order table', async ({ page }) => {
  await signIn(page, ADMIN);
  await openDesk(page);
  await expect(mainHeading(page)).toHaveText('Order desk');
  for (const name of ['Total orders', 'Active shipments', 'Revenue', 'Average delivery time']) {
    await expect(page.getByRole('heading', { name, exact: true })).toBeVisible();
  }
  await expect(kpiCard(page, 'Revenue')).toContainText(/\$\d+\.\d{2}/);
  await expect(page.getByLabel('Period', { exact: true })).toHaveValue('30d');

  const table = ordersTable(page);
  await expect(table.getByRole('columnheader')).toHaveText(['Order', 'Customer', 'Status', 'Total', 'Tracking', 'Updated']);
  for (const label of ['Search orders', 'Status filter', 'From', 'To', 'Sort by', 'Order']) {
    await expect(page.getByLabel(label, { exact: true })).toBeVisible();
  }
  const count = page.getByRole('status').filter({ hasText: /^[\d,]+ orders?$/ });
  await expect(count).toBeVisible();
  const total = Number((await count.innerText()).replace(/[^\d]/g, ''));

  // However many orders there are, the DOM holds a fixed, small number of rows.
  const rows = table.getByRole('row', { includeHidden: true });
  expect(await rows.count(), 'row elements in the DOM').toBeLessThanOrEqual(30);
  if (total > 0) {
    await expect(table.getByRole('rowheader').first()).toHaveText(/^#\d+$/);
    await expect(table.getByRole('button', { name: /^Edit order #\d+$/ }).first()).toHaveText('Edit');
  }
  if (total > 60) {
    // Jump to the middle: the rows there load and the DOM stays small.
    await table.getByRole('rowgroup').last().evaluate((scroller) => {
      scroller.scrollTop = scroller.scrollHeight / 2;
    });
    await expect(table.getByRole('rowheader').filter({ hasText: /^#\d+$/ }).first()).toBeVisible();
    expect(await rows.count(), 'row elements after scrolling').toBeLessThanOrEqual(30);
  }

  // Filters live in the URL and re-read the table on the server.
  const statusFilter = page.getByLabel('Status filter', { exact: true });
  const shipped = (await statusFilter.getByRole('option', { name: /^Shipped \([\d,]+\)$/ }).innerText()).trim();
  const shippedCount = Number(shipped.replace(/[^\d]/g, ''));
  await statusFilter.selectOption({ label: shipped });
  await expect(page).toHaveURL(/[?&]status=shipped(&|$)/);
  await expect(count).toHaveText(shippedCount === 1 ? '1 order' : `${shippedCount.toLocaleString('en-US')} orders`);
  await page.getByLabel('Sort by', { exact: true }).selectOption({ label: 'Total' });
  await expect(page).toHaveURL(/[?&]sort=total(&|$)/);

  // The export carries the table's filters: only shipped orders, every one.
  const download = page.waitForEvent('download');
  await main(page).getByRole('link', { name: 'Export CSV' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^orders-\d{8}\.csv$/);
  const [header, ...lines] = (await readFile(await file.path(), 'utf8')).trim().split(/\r?\n/);
  expect(header.split(',').slice(0, 3)).toEqual(['id', 'created_at', 'status']);
  // Other journeys may ship or deliver an order meanwhile: the rows are
  // checked by their status, not counted against the figure read above.
  expect(lines.length > 0).toBe(shippedCount > 0);
  expect(new Set(lines.map((line) => line.split(',')[2]))).toEqual(new Set(shippedCount > 0 ? ['shipped'] : []));
  await expect(page.getByLabel('Order', { exact: true }).getByRole('option')).toHaveText(['Descending', 'Ascending']);
  const search = page.getByLabel('Search orders', { exact: true });
  await expect(search).toHaveAttribute('placeholder', 'Order number, name or email');
  await search.fill('no such customer anywhere');
  await expect(page).toHaveURL(/[?&]q=no(\+|%20)such/);
  await expect(count).toHaveText('0 orders');
});

test('two admins edit one order: conflicts are shown, never overwritten silently', async ({ page, browser }) => {
  test.slow();
  const customer = await (await browser.newContext()).newPage();
  const id = await placeOrderAsNewCustomer(customer);
  await customer.context().close();

  // Admin A opens the order; Escape closes the dialog and focus returns.
  await signIn(page, ADMIN);
  let a = await openEditor(page, id);
  await page.keyboard.press('Escape');
  await expect(a).toBeHidden();
  await expect(editButton(page, id)).toBeFocused();
  await editButton(page, id).click();
  a = editDialog(page, id);
  await expect(a.getByText(/^Version \d+$/)).toBeVisible();
  const version = await readVersion(a);
  await expect(a.getByLabel('Status', { exact: true })).toHaveValue('confirmed');
  await expect(a.getByRole('heading', { name: 'History', exact: true })).toBeVisible();

  // A starts typing notes but does not save.
  await a.getByLabel('Internal notes', { exact: true }).fill('A: call the customer first');
  await expect(a.getByText('Unsaved changes', { exact: true })).toBeVisible();

  // Admin B, in another browser, changes the tracking number and saves.
  const other = await adminBrowser(browser);
  const b = await openEditor(other, id);
  await expect(b.getByText(`Version ${version}`, { exact: true })).toBeVisible();
  await b.getByLabel('Tracking number', { exact: true }).fill('TRACK-B1');
  await b.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(b).toBeHidden();
  await expect(ordersTable(other).getByRole('cell', { name: 'TRACK-B1', exact: true })).toBeVisible();

  // A is told, with both sides of each differing field.
  const panel = conflictPanel(a);
  await expect(panel).toBeVisible(LIVE);
  await expect(panel.getByRole('columnheader', { name: 'Your change', exact: true })).toBeVisible();
  await expect(panel.getByRole('columnheader', { name: 'Server value', exact: true })).toBeVisible();
  const trackingRow = panel.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Tracking number' }) });
  await expect(trackingRow.getByRole('cell')).toHaveText(['—', 'TRACK-B1']);
  const notesRow = panel.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Internal notes' }) });
  await expect(notesRow.getByRole('cell')).toHaveText(['A: call the customer first', '—']);
  // A's table already shows B's change.
  await expect(ordersTable(page).getByRole('cell', { name: 'TRACK-B1', exact: true })).toBeVisible(LIVE);

  // Refresh: A takes the server's values and version.
  await panel.getByRole('button', { name: 'Refresh', exact: true }).click();
  await expect(panel).toBeHidden();
  await expect(a.getByLabel('Tracking number', { exact: true })).toHaveValue('TRACK-B1');
  await expect(a.getByLabel('Internal notes', { exact: true })).toHaveValue('');
  await expect(a.getByText(`Version ${version + 1}`, { exact: true })).toBeVisible();
  await expect(a.getByText('Unsaved changes', { exact: true })).toBeHidden();

  // A edits notes again; B saves another tracking number first.
  await a.getByLabel('Internal notes', { exact: true }).fill('A: fragile, pack twice');
  await expect(a.getByText('Unsaved changes', { exact: true })).toBeVisible();
  await editButton(other, id).click();
  const b2 = editDialog(other, id);
  await expect(b2.getByText(`Version ${version + 1}`, { exact: true })).toBeVisible();
  await b2.getByLabel('Tracking number', { exact: true }).fill('TRACK-B2');
  await b2.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(b2).toBeHidden();

  // Force overwrite: A's notes go in on top of B's version.
  await expect(panel).toBeVisible(LIVE);
  await expect(trackingRow.getByRole('cell')).toHaveText(['TRACK-B1', 'TRACK-B2']);
  await panel.getByRole('button', { name: 'Force overwrite', exact: true }).click();
  await expect(a).toBeHidden();

  // On the server: A's notes (the field A changed) and B's tracking number.
  const check = await openEditor(other, id);
  await expect(check.getByLabel('Internal notes', { exact: true })).toHaveValue('A: fragile, pack twice');
  await expect(check.getByLabel('Tracking number', { exact: true })).toHaveValue('TRACK-B2');
  await expect(check.getByText(`Version ${version + 3}`, { exact: true })).toBeVisible();
  await expect(check.getByRole('listitem').filter({ hasText: 'Ada Admin changed tracking number from TRACK-B1 to TRACK-B2' })).toBeVisible();
  await other.context().close();
});

test('a new order appears on top of the desk without a reload', async ({ page, browser }) => {
  test.slow();
  await signIn(page, ADMIN);
  await openDesk(page, '/admin?sort=created');
  await expect(page.getByLabel('Sort by', { exact: true })).toHaveValue('created');
  await expect(page.getByLabel('Order', { exact: true })).toHaveValue('desc');
  const totalOrders = kpiCard(page, 'Total orders');
  const before = await readFigure(totalOrders);
  await page.evaluate(() => {
    window.__deskMarker = 7;
  });

  const customer = await (await browser.newContext()).newPage();
  const id = await placeOrderAsNewCustomer(customer);

  const firstRow = ordersTable(page).getByRole('row').nth(1);
  await expect(firstRow.getByRole('rowheader')).toHaveText(`#${id}`, LIVE);
  await expect(firstRow.getByRole('cell', { name: 'Confirmed', exact: true })).toBeVisible(LIVE);
  await expect(totalOrders.getByText(/^[\d,]+$/)).toHaveText((before + 1).toLocaleString('en-US'), LIVE);
  expect(await page.evaluate(() => window.__deskMarker), 'the desk updated without a reload').toBe(7);
  await customer.context().close();
});

test("a customer's order page follows the admin's status change live", async ({ page, browser }) => {
  test.slow();
  // The customer places an order and keeps its page open.
  const id = await placeOrderAsNewCustomer(page);
  await page.evaluate(() => {
    window.__deskMarker = 9;
  });

  const admin = await adminBrowser(browser);
  const dialog = await openEditor(admin, id);
  const status = dialog.getByLabel('Status', { exact: true });
  await expect(status.getByRole('option')).toHaveText(['Confirmed', 'Shipped', 'Cancelled']);
  await status.selectOption({ label: 'Shipped' });
  await expect(dialog.getByText('Unsaved changes', { exact: true })).toBeVisible();
  await dialog.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(ordersTable(admin).getByRole('cell', { name: 'Shipped', exact: true })).toBeVisible();

  await expect(main(page).getByText('Status: Shipped', { exact: true })).toBeVisible(LIVE);
  expect(await page.evaluate(() => window.__deskMarker), 'the order page updated without a reload').toBe(9);
  await admin.context().close();
});
