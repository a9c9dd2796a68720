/**
 * Locators and steps for the cart, account and checkout journeys
 * (`checkout.spec.ts`). Like `helpers.ts`, everything is found the way a
 * user (or a screen reader) finds it: by role, label or text.
 */
import { expect, type Browser, type Locator, type Page } from '@playwright/test';
import {
  banner,
  cardLink,
  escapeRegExp,
  main,
  mainHeading,
  parseCents,
  productCards,
  purchaseOptions,
  stockLine,
  variantGroup,
  waitForHydration,
} from './helpers';

/** The test cards of the simulated payment provider (docs/payments.md). */
export const CARDS = {
  success: '4242424242424242',
  declined: '4000000000000002',
  /** Charged, but the provider's answer is lost (docs/payments.md). */
  answerLost: '4000000000000259',
} as const;

/** Loads `path`, expects HTTP 200 and waits until the app has hydrated. */
export async function open(page: Page, path: string): Promise<void> {
  const response = await page.goto(path);
  expect(response?.status(), `GET ${path}`).toBe(200);
  await waitForHydration(page);
}

/** An account's sign-in details. */
export interface Login {
  email: string;
  password: string;
}

/** Signs in from /sign-in; the app then shows /account. */
export async function signIn(page: Page, who: Login): Promise<void> {
  await open(page, '/sign-in');
  const form = page.getByRole('form', { name: 'Sign in', exact: true });
  await form.getByLabel('Email', { exact: true }).fill(who.email);
  await form.getByLabel('Password', { exact: true }).fill(who.password);
  await form.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);
}

/** A new browser context (its own cookies) signed in as `who`. */
export async function signedIn(browser: Browser, who: Login): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, who);
  return page;
}

// ---------------------------------------------------------------------------
// Header
// ---------------------------------------------------------------------------

/** The header's "Cart (N)" link. */
export function cartLink(page: Page): Locator {
  return banner(page).getByRole('link', { name: /^Cart \(\d+\)$/ });
}

/** Expects the header's cart link to read "Cart (count)". */
export async function expectCartCount(page: Page, count: number): Promise<void> {
  await expect(cartLink(page)).toHaveAccessibleName(new RegExp(`^Cart \\(${count}\\)$`));
}

// ---------------------------------------------------------------------------
// Accounts
// ---------------------------------------------------------------------------

export interface Customer {
  email: string;
  password: string;
  name: string;
}

/** A customer nobody has signed up as yet: unique per call, in every run. */
export function newCustomer(): Customer {
  const random = Math.random().toString(36).slice(2, 10);
  const email = `e2e-${Date.now()}-${random}@example.com`;
  // At least 10 characters, not a common password, and free of the email's
  // local part.
  const password = `Correct horse ${random} battery!`;
  return { email, password, name: 'Eve Tester' };
}

/** The sign-up form, on /sign-up. */
export function signUpForm(page: Page): Locator {
  return page.getByRole('form', { name: 'Create an account', exact: true });
}

/** On /sign-up: fills in the form for `customer` and submits it. */
export async function submitSignUp(page: Page, customer: Customer): Promise<void> {
  const form = signUpForm(page);
  await form.getByLabel('Email', { exact: true }).fill(customer.email);
  await form.getByLabel('Password', { exact: true }).fill(customer.password);
  await form.getByLabel('Name', { exact: true }).fill(customer.name);
  await form.getByRole('button', { name: 'Create account', exact: true }).click();
}

/** Signs a fresh customer up from /sign-up; the app then shows /account. */
export async function signUpFreshCustomer(page: Page): Promise<Customer> {
  const customer = newCustomer();
  await open(page, '/sign-up');
  await submitSignUp(page, customer);
  await expect(page).toHaveURL(/\/account$/);
  await expect(mainHeading(page)).toHaveText('Your account');
  await expect(main(page).getByText(customer.email, { exact: true })).toBeVisible();
  return customer;
}

// ---------------------------------------------------------------------------
// Product page
// ---------------------------------------------------------------------------

/** What was chosen on a product page. */
export interface ChosenVariant {
  productName: string;
  variantLabel: string;
  /** Units in stock, as the stock line states it. */
  stock: number;
}

/** The cart's name for a line: "Product name (Variant label)". */
export function itemName(chosen: ChosenVariant): string {
  return `${chosen.productName} (${chosen.variantLabel})`;
}

/** The stock line's number of units, or 0 for "Out of stock". */
export async function readStock(page: Page): Promise<number> {
  const text = (await stockLine(page).innerText()).trim();
  const match = /^In stock \((\d+) available\)$/.exec(text);
  return match ? Number(match[1]) : 0;
}

/** The variant link marked aria-current="true" (the chosen variant). */
async function currentVariantLabel(page: Page): Promise<string | null> {
  for (const link of await variantGroup(page).getByRole('link').all()) {
    if ((await link.getAttribute('aria-current')) === 'true') {
      return (await link.innerText()).trim();
    }
  }
  return null;
}

/**
 * On a product page: keeps the chosen variant if `accept` likes its stock,
 * otherwise clicks through the variants until one is accepted. Returns
 * null when no variant is.
 */
export async function chooseVariant(
  page: Page,
  accept: (stock: number) => boolean = (stock) => stock > 0,
): Promise<ChosenVariant | null> {
  const productName = (await mainHeading(page).innerText()).trim();
  await expect(stockLine(page)).toBeVisible();
  const label = await currentVariantLabel(page);
  const stock = await readStock(page);
  if (label !== null && accept(stock)) {
    return { productName, variantLabel: label, stock };
  }
  const links = variantGroup(page).getByRole('link');
  const labels = (await links.allInnerTexts()).map((text) => text.trim());
  for (const candidate of labels) {
    const link = variantGroup(page).getByRole('link', { name: candidate, exact: true });
    await link.click();
    await expect(link).toHaveAttribute('aria-current', 'true');
    await expect(stockLine(page)).toBeVisible();
    const candidateStock = await readStock(page);
    if (accept(candidateStock)) {
      return { productName, variantLabel: candidate, stock: candidateStock };
    }
  }
  return null;
}

/**
 * From a listing page (e.g. /c/t-shirts): opens the first product whose card
 * does not say "Out of stock" and picks an in-stock variant.
 */
export async function openFirstInStockProduct(page: Page, listingPath: string): Promise<ChosenVariant> {
  await open(page, listingPath);
  const card = productCards(page)
    .filter({ hasNot: page.getByText('Out of stock', { exact: true }) })
    .first();
  const name = (await cardLink(card).innerText()).trim();
  await cardLink(card).click();
  await expect(page).toHaveURL(/\/p\/[^/?#]+/);
  await expect(mainHeading(page)).toHaveText(name);
  await waitForHydration(page);
  const chosen = await chooseVariant(page);
  expect(chosen, `${name} has a variant in stock`).not.toBeNull();
  return chosen as ChosenVariant;
}

/** The "Quantity" field of the product page's "Add to cart" form. */
export function addQuantity(page: Page): Locator {
  return purchaseOptions(page).getByLabel('Quantity', { exact: true });
}

export function addToCartButton(page: Page): Locator {
  return purchaseOptions(page).getByRole('button', { name: 'Add to cart', exact: true });
}

/** On a product page: adds `quantity` of the chosen variant and waits for "Added to cart.". */
export async function addToCart(page: Page, quantity = 1): Promise<void> {
  await expect(addQuantity(page)).toHaveValue('1');
  if (quantity !== 1) {
    await addQuantity(page).fill(String(quantity));
  }
  await addToCartButton(page).click();
  await expect(purchaseOptions(page).getByRole('status')).toHaveText('Added to cart.');
}

// ---------------------------------------------------------------------------
// Cart page
// ---------------------------------------------------------------------------

export function cartItems(page: Page): Locator {
  return page.getByRole('list', { name: 'Cart items', exact: true });
}

/** The cart line of `item` ("Product (Variant)"). */
export function cartLine(page: Page, item: string): Locator {
  return cartItems(page)
    .getByRole('listitem')
    .filter({ has: page.getByRole('button', { name: `Remove ${item}`, exact: true }) });
}

/** "Subtotal: $12.34" on the cart page. */
export function cartSubtotal(page: Page): Locator {
  return main(page).getByText(/^Subtotal: \$\d+\.\d{2}$/);
}

/** Reads an amount ("Subtotal: $12.34") in cents. */
export async function readCents(locator: Locator): Promise<number> {
  const text = (await locator.innerText()).trim();
  const cents = parseCents(text);
  if (cents === null) {
    throw new Error(`No amount in ${JSON.stringify(text)}`);
  }
  return cents;
}

// ---------------------------------------------------------------------------
// Checkout
// ---------------------------------------------------------------------------

export function orderSummary(page: Page): Locator {
  return page.getByRole('region', { name: 'Order summary', exact: true });
}

/** "1 × Product (Variant) — $12.34" in the order summary. */
export function summaryLine(page: Page, quantity: number, item: string): Locator {
  return orderSummary(page).getByText(
    new RegExp(`^${quantity} × ${escapeRegExp(item)} — \\$\\d+\\.\\d{2}$`),
  );
}

/** A "Label: $12.34" amount in the order summary. */
export function summaryAmount(page: Page, label: 'Subtotal' | 'Shipping' | 'Total'): Locator {
  return orderSummary(page).getByText(new RegExp(`^${label}: \\$\\d+\\.\\d{2}$`));
}

/** Checks the order summary of a cart holding `quantity` × `item` and returns its total. */
export async function expectOrderSummary(page: Page, quantity: number, item: string): Promise<number> {
  await expect(summaryLine(page, quantity, item)).toBeVisible();
  await expect(summaryAmount(page, 'Subtotal')).toBeVisible();
  await expect(summaryAmount(page, 'Shipping')).toBeVisible();
  await expect(summaryAmount(page, 'Total')).toBeVisible();
  const subtotal = await readCents(summaryAmount(page, 'Subtotal'));
  const shipping = await readCents(summaryAmount(page, 'Shipping'));
  const total = await readCents(summaryAmount(page, 'Total'));
  expect(subtotal, 'subtotal is positive').toBeGreaterThan(0);
  expect(total, 'Total = Subtotal + Shipping').toBe(subtotal + shipping);
  return total;
}

export function checkoutForm(page: Page): Locator {
  return page.getByRole('form', { name: 'Checkout', exact: true });
}

/** On /checkout: ships to a new US address and pays with `card`. */
export async function placeOrder(page: Page, card: string): Promise<void> {
  const form = checkoutForm(page);
  await expect(form.getByRole('radio', { name: 'A new address', exact: true })).toBeChecked();
  await expect(form.getByLabel('Country', { exact: true })).toHaveValue('US');
  await form.getByLabel('Full name', { exact: true }).fill('Eve Tester');
  await form.getByLabel('Address line 1', { exact: true }).fill('1 Test Street');
  await form.getByLabel('City', { exact: true }).fill('Springfield');
  await form.getByLabel('Postal code', { exact: true }).fill('12345');
  await form.getByLabel('Card number', { exact: true }).fill(card);
  await form.getByRole('button', { name: 'Place order', exact: true }).click();
}
