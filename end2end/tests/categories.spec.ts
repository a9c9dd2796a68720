/**
 * Categories from the admin's screen: an admin creates a category under
 * "Clothing", gives it an image, and finds both on the storefront's
 * category page at once, then deletes it again (it is empty), so the
 * other journeys see the demo tree.
 * Every step finds things by role, label or text.
 */
import { expect, type Page } from '@playwright/test';
import { PNG, main, mainHeading, test, waitForHydration } from './helpers';
import { open, signIn } from './shopping';

const ADMIN = { email: 'admin@bazaar.test', password: 'bazaar-demo-overseer' };

async function signInAsAdmin(page: Page): Promise<void> {
  await signIn(page, ADMIN);
}

test('an admin creates a category under Clothing and the storefront shows it', async ({ page }) => {
  const tag = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  const name = `Rain Capes ${tag}`;
  const slug = `rain-capes-${tag}`;
  const description = 'Capes that keep the rain off, folded into a pocket.';

  await test.step('create it from /admin/categories', async () => {
    await signInAsAdmin(page);
    await open(page, '/admin/categories');
    await expect(page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Categories' })).toBeVisible();
    const form = page.getByRole('form', { name: 'New category', exact: true });
    await form.getByLabel('Name', { exact: true }).fill(name);
    await form.getByLabel('Description', { exact: true }).fill(description);
    await form.getByLabel('Parent', { exact: true }).selectOption({ label: 'Clothing' });
    await form.getByRole('button', { name: 'Create category' }).click();
    await expect(form.getByRole('status')).toHaveText(`Saved ${name}.`);
    const row = main(page).getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });
    await expect(row).toContainText(slug);
    await expect(row).toContainText('Clothing');
  });

  await test.step('give it an image', async () => {
    await page.getByRole('button', { name: `Edit ${name}`, exact: true }).click();
    const editor = page.getByRole('region', { name: `Image of ${name}` });
    await editor.getByLabel('Category image', { exact: true }).setInputFiles({ name: 'capes.png', mimeType: 'image/png', buffer: PNG });
    await editor.getByRole('button', { name: 'Upload image' }).click();
    // The post comes back to this page: what it shows must survive hydration.
    await waitForHydration(page);
    await expect(main(page).getByRole('status').filter({ hasText: `Image saved for ${name}.` })).toBeVisible();
    const row = main(page).getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });
    await expect(row.getByRole('img', { name: `Image of ${name}` })).toBeVisible();
  });

  await test.step('find it on the Clothing page and open it', async () => {
    await open(page, '/c/clothing');
    await main(page).getByRole('navigation', { name: 'Subcategories' }).getByRole('link', { name, exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/c/${slug}$`));
    await expect(mainHeading(page)).toHaveText(name);
    await expect(main(page).getByText(description)).toBeVisible();
    await expect(main(page).getByRole('img', { name, exact: true })).toBeVisible();
  });

  await test.step('delete it again: it is empty', async () => {
    await open(page, '/admin/categories');
    await page.getByRole('button', { name: `Delete ${name}`, exact: true }).click();
    await expect(main(page).getByRole('rowheader', { name, exact: true })).toHaveCount(0);
    const lighting = page.getByRole('button', { name: 'Delete Lighting', exact: true });
    await lighting.click();
    await expect(main(page).getByRole('alert').filter({ hasText: 'Lighting still has' })).toContainText('move them');
  });
});
