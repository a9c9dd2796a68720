/**
 * Shopify webhooks seen from the admin pages: a signed orders/create
 * webhook's order appears live on the order desk (/admin), and a webhook
 * whose processing always fails ends as a dead job that an admin retries
 * on /admin/jobs. Webhooks are signed here as Shopify signs them: the
 * base64 HMAC-SHA256 of the raw body with the shop's webhook secret (the
 * one deploy/e2e.sh starts the server with). Every journey finds things
 * by role, label or text; none waits for a fixed time.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { expect, type APIRequestContext, type Locator, type Page } from '@playwright/test';
import { main, mainHeading, test } from './helpers';
import { open, signIn } from './shopping';

/** The demo accounts (server/src/seed/accounts.rs). */
const ADMIN = { email: 'admin@bazaar.test', password: 'bazaar-demo-overseer' };
const CUSTOMER = { email: 'customer@bazaar.test', password: 'bazaar-demo-shopper' };

/** `BAZAAR_SHOPIFY_WEBHOOK_SECRET` of the server under test (deploy/e2e.sh). */
const SECRET = process.env.BAZAAR_SHOPIFY_WEBHOOK_SECRET ?? 'e2e-shopify-secret';

/** Live updates travel over a WebSocket; allow for a slow, busy machine. */
const LIVE = { timeout: 15_000 };

/** A job that always fails is dead after 3 attempts with the e2e server's short backoff. */
const UNTIL_DEAD = { timeout: 60_000 };

interface Customer {
  email: string;
  firstName: string;
  lastName: string;
}

/** A customer no other test (or earlier run) has used. */
function freshCustomer(): Customer {
  const tag = randomUUID().slice(0, 8);
  return { email: `shopify-${tag}@example.com`, firstName: 'Ada', lastName: `Webhook-${tag}` };
}

let nextOrderId = Date.now() * 10;

/** An order in the shape of Shopify's published order JSON. */
function shopifyOrder(customer: Customer, currency = 'USD'): Record<string, unknown> {
  const id = ++nextOrderId;
  const now = new Date().toISOString();
  return {
    id,
    email: customer.email,
    created_at: now,
    updated_at: now,
    currency,
    financial_status: 'paid',
    fulfillment_status: null,
    cancelled_at: null,
    total_price: '59.98',
    subtotal_price: '54.98',
    total_shipping_price_set: { shop_money: { amount: '5.00', currency_code: currency } },
    line_items: [
      { id: id + 1, sku: 'SHOPIFY-ONLY-MUG', title: 'Enamel camp mug', quantity: 2, price: '27.49' },
    ],
    customer: { email: customer.email, first_name: customer.firstName, last_name: customer.lastName },
    shipping_address: {
      first_name: customer.firstName,
      last_name: customer.lastName,
      address1: '1 Analytical Row',
      city: 'London',
      province: 'London',
      zip: 'N1 9GU',
      country_code: 'GB',
    },
  };
}

/** Signs and sends `order` as an orders/create webhook; returns its webhook id. */
async function sendOrderWebhook(request: APIRequestContext, order: Record<string, unknown>): Promise<string> {
  const body = Buffer.from(JSON.stringify(order), 'utf8');
  const webhookId = randomUUID();
  const response = await request.post('/webhooks/shopify', {
    data: body,
    headers: {
      'Content-Type': 'application/json',
      'X-Shopify-Topic': 'orders/create',
      'X-Shopify-Hmac-Sha256': createHmac('sha256', SECRET).update(body).digest('base64'),
      'X-Shopify-Webhook-Id': webhookId,
      'X-Shopify-Shop-Domain': 'bazaar-e2e.myshopify.com',
    },
  });
  expect(response.status(), `POST /webhooks/shopify: ${await response.text()}`).toBe(200);
  return webhookId;
}

function ordersTable(page: Page): Locator {
  return page.getByRole('table', { name: 'Orders', exact: true });
}

function attentionTable(page: Page): Locator {
  return page.getByRole('table', { name: 'Failed and dead jobs', exact: true });
}

function countCard(page: Page, name: 'Pending' | 'Running' | 'Failed' | 'Dead'): Locator {
  return page.getByRole('article', { name, exact: true });
}

async function readCount(page: Page, name: 'Pending' | 'Running' | 'Failed' | 'Dead'): Promise<number> {
  const value = countCard(page, name).getByText(/^\d+$/);
  await expect(value).toBeVisible();
  return Number(await value.innerText());
}

test('a customer is not allowed at /admin/jobs', async ({ page }) => {
  await signIn(page, CUSTOMER);
  const response = await page.goto('/admin/jobs');
  expect(response?.status(), 'GET /admin/jobs as a customer').toBe(403);
  await expect(mainHeading(page)).toHaveText('Not allowed');
});

test("a Shopify webhook's order appears live on the order desk", async ({ page, request }) => {
  test.slow();
  await signIn(page, ADMIN);
  await open(page, '/admin?sort=created');
  await expect(ordersTable(page)).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: /^Live$/ })).toBeVisible(LIVE);
  await page.evaluate(() => {
    (window as unknown as { __jobsMarker?: number }).__jobsMarker = 11;
  });

  const customer = freshCustomer();
  await sendOrderWebhook(request, shopifyOrder(customer));

  const row = ordersTable(page).getByRole('row').filter({ hasText: customer.email });
  await expect(row).toBeVisible(LIVE);
  await expect(row.getByText(`${customer.firstName} ${customer.lastName}`)).toBeVisible();
  expect(
    await page.evaluate(() => (window as unknown as { __jobsMarker?: number }).__jobsMarker),
    'the desk updated without a reload',
  ).toBe(11);
});

test('an admin retries a dead job on /admin/jobs', async ({ page, request }) => {
  test.setTimeout(120_000);
  await signIn(page, ADMIN);
  await open(page, '/admin');
  await main(page).getByRole('link', { name: 'Jobs', exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/jobs$/);
  await expect(mainHeading(page)).toHaveText('Jobs');
  await expect(main(page).getByRole('link', { name: 'Orders', exact: true })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Webhook deliveries', exact: true })).toBeVisible();

  // The processor refuses a currency the shop does not price in, every time.
  const webhookId = await sendOrderWebhook(request, shopifyOrder(freshCustomer(), 'XTS'));
  const refresh = main(page).getByRole('button', { name: 'Refresh', exact: true });
  const row = attentionTable(page).getByRole('row').filter({ hasText: `webhook ${webhookId}` });
  await expect(async () => {
    await refresh.click();
    await expect(row.getByRole('cell', { name: 'Dead', exact: true })).toBeVisible({ timeout: 1_000 });
  }).toPass(UNTIL_DEAD);
  await expect(
    page.getByRole('table', { name: 'Webhook deliveries', exact: true }).getByRole('row', { name: new RegExp(webhookId) }),
  ).toBeVisible();
  const id = Number((await row.getByRole('rowheader').innerText()).replace('#', ''));
  expect(id, 'the job number').toBeGreaterThan(0);
  const jobRow = attentionTable(page)
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: `#${id}`, exact: true }) });

  const dead = await readCount(page, 'Dead');
  expect(dead).toBeGreaterThanOrEqual(1);
  await jobRow.getByRole('button', { name: `Retry job #${id}`, exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: `Job #${id} queued again.` })).toBeVisible();

  // The page re-reads after the retry. The retry wakes a worker at once,
  // so the job is either still back in the queue (one dead job fewer,
  // waiting, running or failed) or has already been run again.
  const deadNow = await readCount(page, 'Dead');
  const active = (await readCount(page, 'Pending')) + (await readCount(page, 'Running')) + (await readCount(page, 'Failed'));
  if (deadNow === dead - 1) {
    expect(active, 'the retried job is back in the queue').toBeGreaterThanOrEqual(1);
  } else {
    expect(deadNow, 'the dead count after the retry').toBe(dead);
  }
  // It was run again (its attempts start over), failed for good again, and
  // the row says a person retried it.
  await expect(async () => {
    await refresh.click();
    await expect(jobRow.getByRole('cell', { name: 'Dead', exact: true })).toBeVisible({ timeout: 1_000 });
    await expect(jobRow.getByRole('cell', { name: /^\d of \d · retried once$/ })).toBeVisible({ timeout: 1_000 });
  }).toPass(UNTIL_DEAD);

  // Discard removes it for good: one dead job fewer.
  const deadBeforeDiscard = await readCount(page, 'Dead');
  await jobRow.getByRole('button', { name: `Discard job #${id}`, exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: `Job #${id} discarded.` })).toBeVisible();
  await expect(jobRow).toHaveCount(0);
  await expect(countCard(page, 'Dead').getByText(/^\d+$/)).toHaveText(String(deadBeforeDiscard - 1));
});
