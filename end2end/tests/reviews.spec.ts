/**
 * Product reviews: a customer whose order has been delivered reviews the
 * product and sees "Verified purchase"; what they type survives a refused
 * submission; an admin hides the review from the product page. Everything
 * is found by role, label or text.
 */
import { expect, type Browser, type Locator, type Page } from '@playwright/test';
import { main, test } from './helpers';
import {
  CARDS,
  addToCart,
  checkoutForm,
  open,
  openFirstInStockProduct,
  placeOrder,
  signUpFreshCustomer,
} from './shopping';

/** The demo admin (server/src/seed/accounts.rs). */
const ADMIN = { email: 'admin@bazaar.test', password: 'bazaar-demo-overseer' };

/** A few random letters, to tell this run's review from every other's. */
function tag(): string {
  return Math.random().toString(36).slice(2, 8);
}

/** A new browser (its own cookies) signed in as the demo admin. */
async function adminPage(browser: Browser): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await open(page, '/sign-in');
  const form = page.getByRole('form', { name: 'Sign in', exact: true });
  await form.getByLabel('Email', { exact: true }).fill(ADMIN.email);
  await form.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await form.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);
  return page;
}

/**
 * As the admin in `staff`, moves order `id` on through `statuses` with the
 * desk's JSON API (`PUT /api/admin/orders/{id}`, see docs/api.md); the
 * desk's own screens have their journeys in admin.spec.ts.
 */
async function moveOrder(staff: Page, id: number, statuses: string[]): Promise<void> {
  const listed = await staff.request.get(`/api/admin/orders?q=${encodeURIComponent(`#${id}`)}`);
  expect(listed.status(), 'the admin order list').toBe(200);
  const rows: { id: number; version: number }[] = (await listed.json()).rows;
  let version = rows.find((row) => row.id === id)?.version;
  expect(version, `order #${id} is listed`).toBeDefined();
  for (const status of statuses) {
    const saved = await staff.request.put(`/api/admin/orders/${id}`, {
      data: { version, status, tracking_number: '1ZREVIEWS' },
    });
    expect(saved.status(), `order #${id} to ${status}`).toBe(200);
    version = (await saved.json()).version;
  }
}

function reviewsSection(page: Page): Locator {
  return main(page).getByRole('region', { name: 'Reviews', exact: true });
}

function writeReview(page: Page): Locator {
  return page.getByRole('region', { name: 'Write a review', exact: true });
}

/** The listed review titled `title`. */
function reviewTitled(page: Page, title: string): Locator {
  return reviewsSection(page)
    .getByRole('article')
    .filter({ has: page.getByRole('heading', { name: title, exact: true }) });
}

test('a guest is asked to sign in before writing a review', async ({ page }) => {
  await openFirstInStockProduct(page, '/c/t-shirts');
  await expect(reviewsSection(page).getByRole('link', { name: 'Sign in to write a review', exact: true })).toBeVisible();
  await expect(writeReview(page)).toHaveCount(0);
  await expect(reviewsSection(page).getByLabel('Sort reviews', { exact: true })).toHaveValue('helpful');
});

test('a customer reviews a delivered purchase and sees "Verified purchase"; an admin hides it', async ({
  page,
  browser,
}) => {
  test.slow();
  // The customer buys a T-shirt.
  await signUpFreshCustomer(page);
  await openFirstInStockProduct(page, '/c/t-shirts');
  const productPath = new URL(page.url()).pathname;
  await addToCart(page);
  await open(page, '/checkout');
  await expect(checkoutForm(page)).toBeVisible();
  await placeOrder(page, CARDS.success);
  await expect(page).toHaveURL(/\/orders\/\d+$/);
  const id = Number(/\/orders\/(\d+)$/.exec(page.url())?.[1]);

  // The shop ships it and it arrives.
  const staff = await adminPage(browser);
  await moveOrder(staff, id, ['SHIPPED', 'DELIVERED']);
  await open(page, `/orders/${id}`);
  await expect(main(page).getByText('Status: Delivered', { exact: true })).toBeVisible();

  // A first try without a title is refused next to the field, and keeps
  // everything typed.
  await open(page, productPath);
  const form = writeReview(page);
  const title = `Soft and true to size ${tag()}`;
  const text = 'Washed it twice already.\nNo shrinking, colour still bright.';
  await form.getByRole('group', { name: 'Rating', exact: true }).getByRole('radio', { name: '5 stars', exact: true }).check();
  await form.getByLabel('Review', { exact: true }).fill(text);
  await form.getByRole('button', { name: 'Submit review', exact: true }).click();
  await expect(form.getByRole('alert').filter({ hasText: 'Give your review a title.' })).toBeVisible();
  await expect(form.getByLabel('Title', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByLabel('Review', { exact: true })).toHaveValue(text);
  await expect(form.getByRole('radio', { name: '5 stars', exact: true })).toBeChecked();

  // With a title it is saved, and listed as a verified purchase.
  await form.getByLabel('Title', { exact: true }).fill(title);
  await form.getByRole('button', { name: 'Submit review', exact: true }).click();
  await expect(form.getByRole('status')).toHaveText('Thank you! Your review is saved.');
  await reviewsSection(page).getByLabel('Sort reviews', { exact: true }).selectOption({ label: 'Newest' });
  await expect(page).toHaveURL(/[?&]sort=newest(&|$)/);
  const mine = reviewTitled(page, title);
  await expect(mine).toBeVisible();
  await expect(mine.getByText('Verified purchase', { exact: true })).toBeVisible();
  await expect(mine.getByText('5 out of 5 stars', { exact: true })).toBeVisible();
  await expect(mine.getByText('No shrinking, colour still bright.', { exact: true })).toBeVisible();
  // One's own review takes no "Helpful" from its author.
  await expect(mine.getByRole('button', { name: 'Helpful (0)', exact: true })).toBeDisabled();
  await expect(mine.getByRole('button', { name: 'Hide review', exact: true })).toHaveCount(0);

  // An admin hides it from the product page.
  await open(staff, `${productPath}?sort=newest`);
  const moderated = reviewTitled(staff, title);
  await moderated.getByRole('button', { name: 'Hide review', exact: true }).click();
  await expect(moderated.getByText('Hidden from customers', { exact: true })).toBeVisible();
  await expect(moderated.getByRole('button', { name: 'Unhide review', exact: true })).toBeVisible();

  // Customers no longer see it; its author is told why.
  await open(page, `${productPath}?sort=newest`);
  await expect(reviewTitled(page, title)).toHaveCount(0);
  await expect(writeReview(page).getByText(/hidden your review/)).toBeVisible();
  await staff.context().close();
});
