/**
 * Ending sessions (issue 6, item 7): "Sign out everywhere" on /account
 * signs the account out in every browser, and a password change signs out
 * every other browser while this one stays signed in.
 */
import { expect, type Browser, type Page } from '@playwright/test';
import { main, mainHeading, test, waitForHydration } from './helpers';
import { open, signUpFreshCustomer, type Customer } from './shopping';

/** A second browser (its own cookies) signed in as `customer`. */
async function signInElsewhere(browser: Browser, customer: Customer): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await open(page, '/sign-in');
  const form = page.getByRole('form', { name: 'Sign in', exact: true });
  await form.getByLabel('Email', { exact: true }).fill(customer.email);
  await form.getByLabel('Password', { exact: true }).fill(customer.password);
  await form.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(main(page).getByText(customer.email, { exact: true })).toBeVisible();
  return page;
}

/** `page` visits /account and is sent to sign in: it is signed out. */
async function expectSignedOut(page: Page): Promise<void> {
  await open(page, '/account');
  await expect(page).toHaveURL(/\/sign-in\?next=%2Faccount$/);
  await expect(mainHeading(page)).toHaveText('Sign in');
}

test('sign out everywhere ends the session in every browser', async ({ page, browser }) => {
  const customer = await signUpFreshCustomer(page);
  const elsewhere = await signInElsewhere(browser, customer);
  await waitForHydration(page);
  await main(page).getByRole('button', { name: 'Sign out everywhere', exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  await expectSignedOut(page);
  await expectSignedOut(elsewhere);
  await elsewhere.context().close();
});

test('a password change signs out the other browsers only', async ({ page, browser }) => {
  const customer = await signUpFreshCustomer(page);
  const elsewhere = await signInElsewhere(browser, customer);
  await waitForHydration(page);
  const form = page.getByRole('form', { name: 'Change password', exact: true });
  await form.getByLabel('Current password', { exact: true }).fill(customer.password);
  await form.getByLabel('New password', { exact: true }).fill(`${customer.password} renewed`);
  await form.getByRole('button', { name: 'Change password', exact: true }).click();
  await expect(main(page).getByRole('status')).toHaveText('Your password has been changed.');
  await open(page, '/account');
  await expect(main(page).getByText(customer.email, { exact: true })).toBeVisible();
  await expectSignedOut(elsewhere);
  await elsewhere.context().close();
});
