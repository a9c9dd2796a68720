/**
 * Cart and checkout journeys with JavaScript enabled (issue 3). Every test
 * signs up its own fresh customer, so the tests do not depend on each other
 * or on earlier runs against the same database.
 */
import { expect, type Page } from '@playwright/test';
import { test } from './helpers';
import { cardLink, main, mainHeading, productCards, purchaseOptions, variantGroup, waitForHydration } from './helpers';
import {
  CARDS,
  addQuantity,
  addToCart,
  addToCartButton,
  cartItems,
  cartLine,
  cartLink,
  cartSubtotal,
  checkoutForm,
  chooseVariant,
  expectCartCount,
  expectOrderSummary,
  itemName,
  newCustomer,
  open,
  openFirstInStockProduct,
  placeOrder,
  readCents,
  signUpFreshCustomer,
  submitSignUp,
  type ChosenVariant,
} from './shopping';

declare global {
  interface Window {
    __marker?: number;
  }
}

/** The listing the journeys shop from. */
const LISTING = '/c/t-shirts';

/** From the header: opens the cart page. */
async function goToCart(page: Page): Promise<void> {
  await cartLink(page).click();
  await expect(page).toHaveURL(/\/cart$/);
  await expect(mainHeading(page)).toHaveText('Your cart');
}

test('a guest fills a cart, signs up at checkout and places an order', async ({ page }) => {
  // Add to cart, on the hydrated product page.
  const chosen = await openFirstInStockProduct(page, LISTING);
  const item = itemName(chosen);
  await expectCartCount(page, 0);
  await page.evaluate(() => {
    window.__marker = 42;
  });
  await addToCart(page);
  await expectCartCount(page, 1);
  expect(await page.evaluate(() => window.__marker), 'the cart count updated without a reload').toBe(42);

  // The cart.
  await goToCart(page);
  await expect(cartItems(page)).toBeVisible();
  await expect(cartLine(page, item)).toHaveCount(1);
  await expect(cartLine(page, item).getByRole('link', { name: chosen.productName, exact: true })).toBeVisible();
  await expect(cartSubtotal(page)).toBeVisible();

  // Checkout asks a guest to sign in or sign up.
  await main(page).getByRole('link', { name: 'Checkout', exact: true }).click();
  await expect(page).toHaveURL(/\/checkout$/);
  await expect(
    main(page).getByText('Please sign in to check out; your cart comes with you.', { exact: true }),
  ).toBeVisible();
  await expect(main(page).getByRole('link', { name: 'Sign in', exact: true })).toBeVisible();
  const createAccount = main(page).getByRole('link', { name: 'create an account', exact: true });
  await expect(createAccount).toHaveAttribute('href', '/sign-up?next=/checkout');

  // Sign up; the app comes back to checkout.
  await createAccount.click();
  await expect(page).toHaveURL(/\/sign-up\?next=(\/|%2F)checkout$/);
  await submitSignUp(page, newCustomer());
  await expect(page).toHaveURL(/\/checkout$/);
  await expect(checkoutForm(page)).toBeVisible();

  // The guest cart came along.
  const total = await expectOrderSummary(page, 1, item);
  await expectCartCount(page, 1);

  // Place the order.
  await placeOrder(page, CARDS.success);
  await expect(page).toHaveURL(/\/orders\/\d+$/);
  const orderId = /\/orders\/(\d+)$/.exec(page.url())?.[1];
  await expect(mainHeading(page)).toHaveText(`Order #${orderId}`);
  await expect(main(page).getByText('Status: Confirmed', { exact: true })).toBeVisible();
  await expect(main(page).getByRole('rowheader', { name: item, exact: true })).toBeVisible();
  expect(await readCents(main(page).getByText(/^Total: \$\d+\.\d{2}$/)), 'order total').toBe(total);
  // The order emptied the cart, and the header follows without a reload.
  // (Soft, so that a stale header still lets the rest of the journey run;
  // the test fails either way.)
  await expect
    .soft(cartLink(page), 'header shows "Cart (0)" on the order page right after placing the order')
    .toHaveAccessibleName(/^Cart \(0\)$/);

  // Order history.
  await open(page, '/orders');
  await expect(mainHeading(page)).toHaveText('Your orders');
  await expect(main(page).getByRole('link', { name: `Order #${orderId}`, exact: true })).toBeVisible();
  await expectCartCount(page, 0);
});

test('a declined card places no order and keeps the cart', async ({ page }) => {
  await signUpFreshCustomer(page);
  const chosen = await openFirstInStockProduct(page, LISTING);
  const item = itemName(chosen);
  await addToCart(page);
  await expectCartCount(page, 1);

  await goToCart(page);
  await main(page).getByRole('link', { name: 'Checkout', exact: true }).click();
  await expect(page).toHaveURL(/\/checkout$/);
  await expectOrderSummary(page, 1, item);

  await placeOrder(page, CARDS.declined);
  await expect(
    main(page).getByRole('alert').filter({ hasText: 'declined' }),
  ).toHaveText('Your card was declined. No payment was taken.');
  await expect(page).toHaveURL(/\/checkout$/);

  await open(page, '/orders');
  await expect(mainHeading(page)).toHaveText('Your orders');
  await expect(main(page).getByText('You have not placed any orders yet.', { exact: true })).toBeVisible();
  await expectCartCount(page, 1);
  await goToCart(page);
  await expect(cartLine(page, item)).toHaveCount(1);
});

test('a payment whose answer is lost leaves the order pending until the recovery job confirms it, live', async ({ page }) => {
  await signUpFreshCustomer(page);
  await openFirstInStockProduct(page, LISTING);
  await addToCart(page);
  await open(page, '/checkout');
  await placeOrder(page, CARDS.answerLost);
  await expect(page).toHaveURL(/\/orders\/\d+$/);
  await expect(main(page).getByText('Status: Pending', { exact: true })).toBeVisible();
  await expect(main(page).getByText('We are confirming your payment. This page updates by itself.', { exact: true })).toBeVisible();
  // deploy/e2e.sh runs the server with a 6 s settle delay.
  await expect(main(page).getByText('Status: Confirmed', { exact: true })).toBeVisible({ timeout: 20_000 });
  await expect(main(page).getByText('We are confirming your payment. This page updates by itself.', { exact: true })).toHaveCount(0);
});

test.describe('cart editing', () => {
  test('changing a quantity updates the subtotal; removing the only item empties the cart', async ({ page }) => {
    await signUpFreshCustomer(page);
    // A variant with at least two units, so the quantity can go up to 2.
    const chosen = await findProductVariant(page, (stock) => stock >= 2);
    const item = itemName(chosen);
    await addToCart(page);
    await expectCartCount(page, 1);

    await goToCart(page);
    const line = cartLine(page, item);
    await expect(line).toHaveCount(1);
    const before = await readCents(cartSubtotal(page));

    await line.getByLabel(`Quantity of ${item}`, { exact: true }).fill('2');
    await line.getByRole('button', { name: `Update ${item}`, exact: true }).click();
    await expectCartCount(page, 2);
    await expect
      .poll(() => readCents(cartSubtotal(page)), { message: 'the subtotal doubles with the quantity' })
      .toBe(2 * before);
    await expect(line.getByLabel(`Quantity of ${item}`, { exact: true })).toHaveValue('2');

    await line.getByRole('button', { name: `Remove ${item}`, exact: true }).click();
    await expect(main(page).getByText('Your cart is empty.', { exact: true })).toBeVisible();
    await expect(cartItems(page)).toHaveCount(0);
    await expectCartCount(page, 0);
  });

  test('adding more than is in stock is refused', async ({ page }) => {
    await signUpFreshCustomer(page);
    // A variant with few units left; the form accepts at most 99 per line.
    const chosen = await findProductVariant(page, (stock) => stock > 0 && stock <= 5, (stock) => stock > 0 && stock < 99);
    const tooMany = chosen.stock + 1;

    await expect(addQuantity(page)).toHaveValue('1');
    await addQuantity(page).fill(String(tooMany));
    await addToCartButton(page).click();
    const alert = purchaseOptions(page).getByRole('alert');
    await expect(alert).toHaveText(/^Only /);
    await expect(alert).toHaveText(`Only ${chosen.stock} of ${itemName(chosen)} left in stock.`);
    await expect(purchaseOptions(page).getByRole('status')).toHaveCount(0);
    await expectCartCount(page, 0);
  });
});

/**
 * Opens the products of the listing one after another until one has a
 * variant whose stock `preferred` accepts, and leaves that variant chosen.
 * If none does, takes the first variant `fallback` accepts.
 */
async function findProductVariant(
  page: Page,
  preferred: (stock: number) => boolean,
  fallback: (stock: number) => boolean = preferred,
): Promise<ChosenVariant> {
  await open(page, LISTING);
  const hrefs: string[] = [];
  for (const card of await productCards(page).all()) {
    const href = await cardLink(card).getAttribute('href');
    if (href) {
      hrefs.push(href);
    }
  }
  expect(hrefs.length, `${LISTING} lists products`).toBeGreaterThan(0);

  let fallbackHref: string | null = null;
  for (const href of hrefs.slice(0, 12)) {
    await open(page, href);
    // Every variant link's title states its stock ("In stock (3 available)"),
    // which spares clicking through all of them.
    for (const link of await variantGroup(page).getByRole('link').all()) {
      const title = (await link.getAttribute('title')) ?? '';
      const stock = Number(/^In stock \((\d+) available\)$/.exec(title)?.[1] ?? 0);
      if (preferred(stock)) {
        const chosen = await chooseVariant(page, preferred);
        expect(chosen, `${href} has a variant the test can use`).not.toBeNull();
        return chosen as ChosenVariant;
      }
      if (fallbackHref === null && fallback(stock)) {
        fallbackHref = href;
      }
    }
  }
  expect(fallbackHref, `a product in ${LISTING} has a suitable variant`).not.toBeNull();
  await open(page, fallbackHref as string);
  const chosen = await chooseVariant(page, fallback);
  expect(chosen).not.toBeNull();
  return chosen as ChosenVariant;
}

/**
 * Holds back the storefront's WASM until `release` is called, so the page
 * is used as plain HTML first, as on a slow connection.
 */
async function holdWasm(page: Page): Promise<() => void> {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route(/\/pkg\/[^/]+\.wasm$/, async (route) => {
    await released;
    await route.continue();
  });
  return release;
}

test('an order placed before the checkout page has hydrated goes through, its errors shown', async ({ page }) => {
  await signUpFreshCustomer(page);
  const chosen = await openFirstInStockProduct(page, LISTING);
  await addToCart(page);

  // A declined card posted while the page is still plain HTML; the page
  // hydrates while the post is on its way (the WASM is let through as it
  // leaves), then the answer replaces it.
  const release = await holdWasm(page);
  await page.goto('/checkout');
  page.on('request', (request) => {
    if (request.method() === 'POST') {
      release();
    }
  });
  await placeOrder(page, CARDS.declined);
  await expect(main(page).getByRole('alert').filter({ hasText: 'declined' })).toHaveText(
    'Your card was declined. No payment was taken.',
  );
  await expect(page).toHaveURL(/\/checkout$/);
  await waitForHydration(page);
  const form = checkoutForm(page);
  await expect(form.getByLabel('Full name', { exact: true }), 'the address typed is kept').toHaveValue('Eve Tester');

  // The page that came back hydrates with its error and takes a good card.
  await form.getByLabel('Card number', { exact: true }).fill(CARDS.success);
  await form.getByRole('button', { name: 'Place order', exact: true }).click();
  await expect(page).toHaveURL(/\/orders\/\d+$/);
  await expect(main(page).getByText('Status: Confirmed', { exact: true })).toBeVisible();
  await expect(main(page).getByRole('rowheader', { name: itemName(chosen), exact: true })).toBeVisible();
});
