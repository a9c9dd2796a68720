/**
 * The wishlist: saving from a product card, the wishlist page, moving an
 * item to the cart, and removing it again.
 */
import { expect } from '@playwright/test';
import { test } from './helpers';
import { expectCartCount, open, signUpFreshCustomer } from './shopping';
import { mainHeading } from './helpers';

test('a customer saves a product from a listing and moves it to the cart', async ({ page }) => {
  await signUpFreshCustomer(page);
  await open(page, '/c/t-shirts?in_stock=1');

  const products = page.getByRole('list', { name: 'Products', exact: true });
  const save = products.getByRole('button', { name: /^Save .+ to wishlist$/ }).first();
  const label = (await save.getAttribute('aria-label')) ?? '';
  const name = label.replace(/^Save /, '').replace(/ to wishlist$/, '');
  expect(name.length, 'the button names its product').toBeGreaterThan(0);
  await save.click();
  // The card's button turns into "Remove … from wishlist" once saved.
  await expect(products.getByRole('button', { name: `Remove ${name} from wishlist`, exact: true })).toBeVisible();

  await open(page, '/wishlist');
  await expect(mainHeading(page)).toHaveText('Your wishlist');
  const wishlist = page.getByRole('list', { name: 'Wishlist', exact: true });
  await expect(wishlist.getByRole('link', { name, exact: true })).toBeVisible();

  await wishlist.getByRole('button', { name: `Move ${name} to cart`, exact: true }).click();
  await expect(page.getByText('Your wishlist is empty.', { exact: true })).toBeVisible();
  await expectCartCount(page, 1);
});

test('a guest sees no wishlist buttons on product cards', async ({ page }) => {
  await open(page, '/c/t-shirts');
  const products = page.getByRole('list', { name: 'Products', exact: true });
  await expect(products.getByRole('link').first()).toBeVisible();
  await expect(products.getByRole('button', { name: /wishlist/ })).toHaveCount(0);
});
