/**
 * Cart and checkout with JavaScript disabled (project "chromium-no-js"):
 * every form is posted by the browser itself, and every outcome (success or
 * error) comes back as a page, never as raw JSON.
 */
import { expect, type Page } from '@playwright/test';
import { test } from './helpers';
import { cardLink, main, mainHeading, productCards, purchaseOptions } from './helpers';
import {
  CARDS,
  addQuantity,
  addToCartButton,
  cartLine,
  chooseVariant,
  checkoutForm,
  itemName,
  newCustomer,
  signUpForm,
  type ChosenVariant,
} from './shopping';

const LISTING = '/c/t-shirts';

test.beforeEach(() => {
  expect(test.info().project.use.javaScriptEnabled, 'this file runs with JavaScript disabled').toBe(false);
});

/** Loads `path` and expects HTTP 200. */
async function open(page: Page, path: string): Promise<void> {
  const response = await page.goto(path);
  expect(response?.status(), `GET ${path}`).toBe(200);
}

/** A page, not a JSON answer: the shop's layout is there. */
async function expectAPage(page: Page): Promise<void> {
  await expect(mainHeading(page)).toBeVisible();
  expect(await page.content()).not.toContain('{"PaymentDeclined"');
}

async function signUp(page: Page): Promise<void> {
  const customer = newCustomer();
  await open(page, '/sign-up');
  const form = signUpForm(page);
  await form.getByLabel('Email', { exact: true }).fill(customer.email);
  await form.getByLabel('Password', { exact: true }).fill(customer.password);
  await form.getByLabel('Name', { exact: true }).fill(customer.name);
  await form.getByRole('button', { name: 'Create account', exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);
}

async function openInStockProduct(page: Page): Promise<ChosenVariant> {
  await open(page, LISTING);
  const card = productCards(page).filter({ hasNot: page.getByText('Out of stock', { exact: true }) }).first();
  await cardLink(card).click();
  await expect(page).toHaveURL(/\/p\/[^/?#]+/);
  // Fewer than 99 in stock: the quantity field stops at 99, so only then
  // can a browser post more than there is.
  const chosen = await chooseVariant(page, (stock) => stock > 0 && stock < 99);
  expect(chosen, 'a variant with 1 to 98 in stock').not.toBeNull();
  return chosen as ChosenVariant;
}

async function addToCart(page: Page, quantity: number): Promise<void> {
  await addQuantity(page).fill(String(quantity));
  await addToCartButton(page).click();
}

/** Fills the checkout form with a new US address and `card`, and submits. */
async function submitCheckout(page: Page, card: string): Promise<void> {
  const form = checkoutForm(page);
  await form.getByRole('radio', { name: 'A new address', exact: true }).check();
  await form.getByLabel('Full name', { exact: true }).fill('Nora Script');
  await form.getByLabel('Address line 1', { exact: true }).fill('2 Plain Street');
  await form.getByLabel('City', { exact: true }).fill('Springfield');
  await form.getByLabel('Postal code', { exact: true }).fill('12345');
  await form.getByLabel('Card number', { exact: true }).fill(card);
  await form.getByRole('button', { name: 'Place order', exact: true }).click();
}

test('add to cart, too many and then one, without JavaScript', async ({ page }) => {
  const chosen = await openInStockProduct(page);
  const productUrl = page.url();

  await addToCart(page, chosen.stock + 1);
  await expect(page).toHaveURL(productUrl);
  await expectAPage(page);
  await expect(purchaseOptions(page).getByRole('alert')).toHaveText(/^Only \d+ of .+ left in stock\.$/);
  await expect(addQuantity(page), 'what was typed is kept').toHaveValue(String(chosen.stock + 1));

  await addToCart(page, 1);
  await expect(page).toHaveURL(productUrl);
  await expect(purchaseOptions(page).getByRole('status')).toHaveText('Added to cart.');
  await open(page, '/cart');
  await expect(cartLine(page, itemName(chosen))).toHaveCount(1);
});

test('a declined card, then a good one, without JavaScript', async ({ page }) => {
  await signUp(page);
  const chosen = await openInStockProduct(page);
  await addToCart(page, 1);
  await expect(purchaseOptions(page).getByRole('status')).toHaveText('Added to cart.');

  await open(page, '/checkout');
  await submitCheckout(page, CARDS.declined);
  await expect(page).toHaveURL(/\/checkout$/);
  await expectAPage(page);
  await expect(main(page).getByRole('alert').filter({ hasText: 'declined' })).toHaveText(
    'Your card was declined. No payment was taken.',
  );
  const form = checkoutForm(page);
  await expect(form.getByLabel('Full name', { exact: true }), 'the address typed is kept').toHaveValue('Nora Script');
  await expect(form.getByLabel('Card number', { exact: true }), 'the card number is never kept').toHaveValue('');

  await form.getByLabel('Card number', { exact: true }).fill(CARDS.success);
  await form.getByRole('button', { name: 'Place order', exact: true }).click();
  await expect(page).toHaveURL(/\/orders\/\d+$/);
  await expect(mainHeading(page)).toHaveText(/^Order #\d+$/);
  await expect(main(page).getByText(itemName(chosen))).toBeVisible();
});
