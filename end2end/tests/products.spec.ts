/**
 * Running the catalog from its own screens: an admin creates a product
 * with a variant that a customer then finds by search and buys; a seller
 * restocks a variant that is low, and the low-stock alert leaves the
 * admin's dashboard live. Every step finds things by role, label or text
 * and waits for conditions, never for a fixed time.
 */
import { expect, type Page } from '@playwright/test';
import { PNG, main, test, waitForHydration } from './helpers';
import { CARDS, addToCart, checkoutForm, open, placeOrder, signUpFreshCustomer, signedIn } from './shopping';

const ADMIN = { email: 'admin@bazaar.test', password: 'bazaar-demo-overseer' };
const SELLER = { email: 'seller1@bazaar.test', password: 'bazaar-demo-northwind' };

/** Live updates travel over a WebSocket; allow for a slow, busy machine. */
const LIVE = { timeout: 15_000 };

/** A name no other run of this suite used. */
function unique(word: string): { name: string; sku: string } {
  const tag = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`.toUpperCase();
  return { name: `${word} Tee ${tag}`, sku: `${word.toUpperCase()}-${tag}` };
}

/**
 * Creates a product in T-Shirts (sold by `seller` when given) with one
 * variant from the admin's editor; stays on the product's page.
 */
async function createProduct(
  page: Page,
  product: { name: string; sku: string },
  variant: { price: string; stock: string; threshold: string },
  seller?: string,
): Promise<void> {
  await open(page, '/admin/products/new');
  const form = page.getByRole('form', { name: 'Product' });
  await form.getByLabel('Name', { exact: true }).fill(product.name);
  await form.getByLabel('Category', { exact: true }).selectOption({ label: 'T-Shirts' });
  if (seller) {
    await form.getByLabel('Seller', { exact: true }).selectOption({ label: seller });
  }
  await form.getByRole('button', { name: 'Save product' }).click();
  await expect(page).toHaveURL(/\/admin\/products\/\d+$/);
  const added = page.getByRole('article', { name: 'New variant' });
  await added.getByLabel('SKU', { exact: true }).fill(product.sku);
  await added.getByLabel('Variant name', { exact: true }).fill('One size');
  await added.getByLabel('Price', { exact: true }).fill(variant.price);
  await added.getByLabel('Low-stock threshold', { exact: true }).fill(variant.threshold);
  await added.getByLabel('Starting stock', { exact: true }).fill(variant.stock);
  await added.getByRole('button', { name: 'Add variant' }).click();
  await expect(page.getByRole('article', { name: `Variant ${product.sku}` })).toBeVisible();
}

test('an admin creates a product with an image that a customer finds by search and buys', async ({ page, browser }) => {
  // Two browsers, an editor, an upload and a checkout: a long journey.
  test.slow();
  const admin = await signedIn(browser, ADMIN);
  const product = unique('Orbit');
  await createProduct(admin, product, { price: '19.50', stock: '5', threshold: '1' });
  const variant = admin.getByRole('article', { name: `Variant ${product.sku}` });
  await expect(variant.getByText('In stock: 5')).toBeVisible();

  const upload = admin.getByRole('form', { name: 'Upload an image' });
  await upload.getByLabel('Image', { exact: true }).setInputFiles({ name: 'orbit.png', mimeType: 'image/png', buffer: PNG });
  await upload.getByLabel('Alt text', { exact: true }).fill(`${product.name} on a hanger`);
  await upload.getByRole('button', { name: 'Upload image' }).click();
  // The post reloads the editor: what it shows must survive hydration.
  await waitForHydration(admin);
  await expect(admin.getByText('Image uploaded.')).toBeVisible();
  await expect(admin.getByRole('img', { name: `${product.name} on a hanger` })).toBeVisible();
  // A disguised file is refused with the reason.
  await upload.getByLabel('Image', { exact: true }).setInputFiles({ name: 'virus.png', mimeType: 'image/png', buffer: Buffer.from('MZ this is not a picture') });
  await upload.getByRole('button', { name: 'Upload image' }).click();
  await waitForHydration(admin);
  await expect(upload.getByRole('alert')).toContainText('not a PNG, JPEG or WebP image');

  // Field-level errors keep what was typed.
  const again = admin.getByRole('article', { name: 'New variant' });
  await again.getByLabel('SKU', { exact: true }).fill(product.sku);
  await again.getByLabel('Variant name', { exact: true }).fill('Second');
  await again.getByLabel('Price', { exact: true }).fill('5');
  await again.getByRole('button', { name: 'Add variant' }).click();
  await expect(again.getByRole('alert')).toContainText('already uses this SKU');
  await expect(again.getByLabel('Variant name', { exact: true })).toHaveValue('Second');

  await signUpFreshCustomer(page);
  await open(page, `/search?q=${encodeURIComponent(product.name)}`);
  await main(page).getByRole('link', { name: product.name }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: product.name })).toBeVisible();
  await expect(main(page).getByRole('img', { name: `${product.name} on a hanger` }).first()).toBeVisible();
  await addToCart(page);
  await open(page, '/checkout');
  await expect(checkoutForm(page)).toBeVisible();
  await placeOrder(page, CARDS.success);
  await expect(page).toHaveURL(/\/orders\/\d+$/);

  // The sale is a movement in the variant's history, seen live.
  await expect(variant.getByText('In stock: 4')).toBeVisible(LIVE);
  await expect(variant.getByRole('table', { name: 'Stock movements' }).getByRole('cell', { name: 'Sale' })).toBeVisible(LIVE);
});

test("a seller's restock clears the low-stock alert live on the admin's dashboard", async ({ browser }) => {
  test.slow();
  const admin = await signedIn(browser, ADMIN);
  const product = unique('Beacon');
  await createProduct(admin, product, { price: '12', stock: '2', threshold: '5' }, 'Northwind Goods');

  await open(admin, '/admin');
  const alerts = admin.getByRole('list', { name: 'Low-stock alerts' });
  await expect(alerts.getByRole('link', { name: new RegExp(product.sku) })).toBeVisible(LIVE);

  const seller = await signedIn(browser, SELLER);
  await open(seller, `/seller/products?q=${encodeURIComponent(product.name)}`);
  await seller.getByRole('link', { name: product.name }).click();
  await expect(seller).toHaveURL(/\/seller\/products\/\d+$/);
  const variant = seller.getByRole('article', { name: `Variant ${product.sku}` });
  await variant.getByLabel('Quantity', { exact: true }).fill('10');
  await variant.getByLabel('Reason', { exact: true }).selectOption({ label: 'Restock' });
  await variant.getByRole('button', { name: 'Apply stock change' }).click();
  await expect(variant.getByText('In stock: 12')).toBeVisible();

  await expect(alerts.getByRole('link', { name: new RegExp(product.sku) })).toHaveCount(0, LIVE);
});

test('customers cannot open the product editor', async ({ page }) => {
  await signUpFreshCustomer(page);
  for (const path of ['/admin/products', '/seller/products', '/admin/products/new']) {
    const response = await page.goto(path);
    expect(response?.status(), `GET ${path}`).toBe(403);
    await expect(page.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
  }
});
