/**
 * Live chat between customers and the support team: the storefront's
 * "Chat with us" widget and the support console (/admin/support), each in
 * its own browser (its own cookies). Messages, unread counts, presence and
 * typing travel over the WebSocket, so every check on the other side waits
 * for a condition, never for a fixed time.
 */
import { expect, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { banner, main, test, waitForHydration } from './helpers';
import {
  CARDS,
  addToCart,
  checkoutForm,
  newCustomer,
  open,
  openFirstInStockProduct,
  placeOrder,
  readCents,
  submitSignUp,
  type Customer,
} from './shopping';

/** The demo admin (server/src/seed/accounts.rs). */
const ADMIN = { email: 'admin@bazaar.test', password: 'bazaar-demo-overseer', name: 'Ada Admin' };

/** Live updates travel over a WebSocket; allow for a slow, busy machine. */
const LIVE = { timeout: 15_000 };

/** The chat panel is a lazy WASM chunk, loaded (and compiled) on the first click. */
const LAZY = { timeout: 25_000 };

const OFFLINE = "Support is offline — leave a message and we'll reply here";
const ONLINE = 'Support is online';

/**
 * `test`, plus `newPage()`: a page in a new browser context (its own
 * cookies) that is closed when the test ends, pass or fail, so that no
 * support console stays open into the next test (it would keep "Support is
 * online"). Like `page`, such pages fail the test on any
 * Content-Security-Policy violation.
 */
const chatTest = test.extend<{ newPage: () => Promise<Page> }>({
  newPage: async ({ browser }, use) => {
    const contexts: BrowserContext[] = [];
    const violations: string[] = [];
    await use(async () => {
      const page = await openContext(browser, contexts, violations);
      return page;
    });
    for (const context of contexts) {
      await context.close();
    }
    expect(violations, 'Content-Security-Policy violations reported by the other pages').toEqual([]);
  },
});

async function openContext(browser: Browser, contexts: BrowserContext[], violations: string[]): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  page.on('console', (message) => {
    if (/Content[- ]Security[- ]Policy/i.test(message.text())) {
      violations.push(`${page.url()}: ${message.text()}`);
    }
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(
        `Content-Security-Policy violation: ${event.violatedDirective} blocked ${event.blockedURI || 'inline code'}`,
      );
    });
  });
  return page;
}

/** A few random letters, to tell this test's customers and messages from every other's. */
function tag(): string {
  return Math.random().toString(36).slice(2, 8);
}

/** A fresh customer with a name no other test uses, so the console's list can be searched by it. */
function chatCustomer(): Customer {
  return { ...newCustomer(), name: `Eve Chat-${tag()}` };
}

/** Signs `customer` up through the sign-up form; the app then shows /account. */
async function signUp(page: Page, customer: Customer = chatCustomer()): Promise<Customer> {
  await open(page, '/sign-up');
  await submitSignUp(page, customer);
  await expect(page).toHaveURL(/\/account$/);
  await expect(main(page).getByText(customer.email, { exact: true })).toBeVisible();
  return customer;
}

/** Signs the demo admin in from /sign-in. */
async function signInAdmin(page: Page): Promise<void> {
  await open(page, '/sign-in');
  const form = page.getByRole('form', { name: 'Sign in', exact: true });
  await form.getByLabel('Email', { exact: true }).fill(ADMIN.email);
  await form.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await form.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);
}

// ---------------------------------------------------------------------------
// The storefront's widget
// ---------------------------------------------------------------------------

function chatLauncher(page: Page): Locator {
  return page.getByRole('button', { name: 'Chat with us', exact: true });
}

function chatDialog(page: Page): Locator {
  return page.getByRole('dialog', { name: 'Support chat', exact: true });
}

/** The "Messages" log inside the widget's dialog or the console's conversation. */
function messagesLog(scope: Locator): Locator {
  return scope.getByRole('log', { name: 'Messages', exact: true });
}

/** The messages of a log, oldest first (the sender's unconfirmed ones last). */
function messages(scope: Locator): Locator {
  return messagesLog(scope).getByRole('listitem');
}

/** The one message whose text contains `text`. */
function message(scope: Locator, text: string): Locator {
  return messages(scope).filter({ hasText: text });
}

function messageBox(scope: Locator): Locator {
  return scope.getByRole('textbox', { name: 'Message', exact: true });
}

/** On a storefront page: "Chat with us" opens the "Support chat" dialog. */
async function openChat(page: Page): Promise<Locator> {
  const launcher = chatLauncher(page);
  await expect(launcher).toHaveAttribute('aria-expanded', 'false');
  await launcher.click();
  await expect(launcher).toHaveAttribute('aria-expanded', 'true');
  const dialog = chatDialog(page);
  await expect(dialog).toBeVisible(LAZY);
  await expect(dialog.getByRole('heading', { name: 'Support chat', exact: true })).toBeVisible();
  await expect(messageBox(dialog)).toBeVisible();
  return dialog;
}

/**
 * Writes `text` in the message box of `scope` (the widget's dialog or the
 * console's conversation), sends it with the Send button and waits until
 * the server has confirmed it: shown with its sender's name, no longer
 * "Sending…".
 */
async function send(scope: Locator, text: string, sender: string): Promise<Locator> {
  await messageBox(scope).fill(text);
  await scope.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(messageBox(scope)).toHaveValue('');
  const sent = message(scope, text.split('\n')[0]);
  await expect(sent).toHaveCount(1);
  await expect(sent).toContainText(sender, LIVE);
  await expect(sent.getByText('Sending…', { exact: true })).toHaveCount(0);
  await expect(messagesLog(scope).getByText('Sending…', { exact: true })).toHaveCount(0);
  return sent;
}

// ---------------------------------------------------------------------------
// The support console
// ---------------------------------------------------------------------------

/** Opens /admin/support (optionally `?query`), hydrated and connected for live updates. */
async function openConsole(page: Page, query = ''): Promise<void> {
  await open(page, `/admin/support${query}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Support', exact: true })).toBeVisible();
  await expect(conversationList(page)).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: /^Live$/ })).toBeVisible(LIVE);
}

function filtersNav(page: Page): Locator {
  return page.getByRole('navigation', { name: 'Conversation filters', exact: true });
}

function conversationList(page: Page): Locator {
  return page.getByRole('list', { name: 'Conversations', exact: true });
}

/** The list's entry for the conversation with `text` (a customer's name or a message) in it. */
function listEntry(page: Page, text: string): Locator {
  return conversationList(page).getByRole('listitem').filter({ hasText: text });
}

function unreadBadge(entry: Locator): Locator {
  return entry.getByText(/^\d+ unread$/);
}

function conversationPane(page: Page): Locator {
  return page.getByRole('region', { name: 'Conversation', exact: true });
}

/** "Open · Unassigned", "Closed · Assigned to Ada Admin", …, in the open conversation. */
function conversationState(pane: Locator): Locator {
  return pane.getByText(/^(Open|Closed) · (Unassigned|Assigned to .+)$/);
}

/** Clicks the list's entry with `text` and waits for its conversation to show, headed `heading`. */
async function openConversation(page: Page, text: string, heading: string): Promise<Locator> {
  await listEntry(page, text).getByRole('link').click();
  await expect(page).toHaveURL(/[?&]conversation=\d+(&|$)/);
  const pane = conversationPane(page);
  await expect(pane.getByRole('heading', { level: 2 })).toHaveText(heading);
  await expect(messageBox(pane)).toBeVisible();
  return pane;
}

/** Follows a filter link ("Open", "Closed", "Mine", "All") and checks it is the current one. */
async function chooseFilter(page: Page, name: 'Open' | 'Closed' | 'Mine' | 'All'): Promise<void> {
  const link = filtersNav(page).getByRole('link', { name, exact: true });
  await link.click();
  await expect(page).toHaveURL(new RegExp(`[?&]filter=${name.toLowerCase()}(&|$)`));
  await expect(link).toHaveAttribute('aria-current', 'page');
  for (const other of ['Open', 'Closed', 'Mine', 'All'].filter((n) => n !== name)) {
    await expect(filtersNav(page).getByRole('link', { name: other, exact: true })).not.toHaveAttribute(
      'aria-current',
      'page',
    );
  }
  await expect(conversationList(page)).toBeVisible();
}

// ---------------------------------------------------------------------------
// Journeys
// ---------------------------------------------------------------------------

chatTest('a customer and support talk live, and the history survives a reload', async ({ page, newPage }) => {
  test.slow();
  const admin = await newPage();
  await signInAdmin(admin);
  await openConsole(admin);

  const customer = await signUp(page);
  await open(page, '/');
  const chat = await openChat(page);
  await expect(chat.getByText('Ask us anything about products, orders or delivery.', { exact: true })).toBeVisible();
  const question = 'Hello, where is my parcel?';
  const sent = await send(chat, question, customer.name);
  await expect(sent.locator('time')).toHaveText(/^\d{2}:\d{2}$/);

  // The conversation appears on the console without a reload, unread.
  const entry = listEntry(admin, customer.name);
  await expect(entry).toBeVisible(LIVE);
  await expect(entry).toContainText(question);
  await expect(unreadBadge(entry)).toHaveText('1 unread', LIVE);

  // Support reads it: the badge goes.
  const pane = await openConversation(admin, customer.name, customer.name);
  await expect(conversationState(pane)).toHaveText('Open · Unassigned');
  await expect(message(pane, question)).toContainText(customer.name);
  await expect(unreadBadge(entry)).toHaveCount(0, LIVE);

  // Support replies; the customer's open panel shows it live.
  const reply = 'It ships today.';
  await send(pane, reply, `${ADMIN.name} (Support)`);
  await expect(message(chat, reply)).toContainText(`${ADMIN.name} (Support)`, LIVE);
  await expect(messages(chat)).toHaveCount(2);

  // After a reload the history is there, in order.
  await page.reload();
  await waitForHydration(page);
  const again = await openChat(page);
  await expect(messages(again)).toHaveCount(2, LIVE);
  await expect(messages(again).nth(0)).toContainText(question);
  await expect(messages(again).nth(0)).toContainText(customer.name);
  await expect(messages(again).nth(1)).toContainText(reply);
  await expect(messages(again).nth(1)).toContainText(`${ADMIN.name} (Support)`);
});

chatTest('the panel says whether support is online, live', async ({ page, newPage }) => {
  test.slow();
  await open(page, '/');
  const chat = await openChat(page);
  // No support console is open (every other test closes its own).
  await expect(chat.getByText(OFFLINE, { exact: true })).toBeVisible(LIVE);
  await expect(chat.getByText(ONLINE, { exact: true })).toHaveCount(0);

  // An admin opens the console: online, without a reload.
  const admin = await newPage();
  await signInAdmin(admin);
  await openConsole(admin);
  await expect(chat.getByText(ONLINE, { exact: true })).toBeVisible(LIVE);
  await expect(chat.getByText(OFFLINE, { exact: true })).toHaveCount(0);

  // A panel opened while support is online says so from the start.
  const other = await newPage();
  await open(other, '/c/clothing');
  const otherChat = await openChat(other);
  await expect(otherChat.getByText(ONLINE, { exact: true })).toBeVisible(LIVE);

  // The admin leaves the console (for the order desk): offline again.
  await open(admin, '/admin');
  await expect(chat.getByText(OFFLINE, { exact: true })).toBeVisible(LIVE);
  await expect(otherChat.getByText(OFFLINE, { exact: true })).toBeVisible(LIVE);
});

chatTest("a guest's conversation comes along when they sign up", async ({ page, newPage }) => {
  test.slow();
  const note = `Do you ship to Iceland? (${tag()})`;
  await open(page, '/');
  const chat = await openChat(page);
  await send(chat, note, 'Guest');

  // The guest signs up through the normal form, with the panel still open.
  await banner(page).getByRole('link', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await main(page).getByRole('link', { name: 'Create an account', exact: true }).click();
  await expect(page).toHaveURL(/\/sign-up/);
  const customer = chatCustomer();
  await submitSignUp(page, customer);
  await expect(page).toHaveURL(/\/account$/);
  await expect(main(page).getByText(customer.email, { exact: true })).toBeVisible();
  await expect(message(chatDialog(page), note)).toHaveCount(1, LIVE);

  // On the next page load, opening the chat shows the earlier message.
  await open(page, '/');
  const after = await openChat(page);
  await expect(message(after, note)).toHaveCount(1, LIVE);
  await expect(messages(after)).toHaveCount(1);

  // Support sees the account's name, not "Guest".
  const admin = await newPage();
  await signInAdmin(admin);
  await openConsole(admin);
  const entry = listEntry(admin, note);
  await expect(entry).toContainText(customer.name);
  const pane = await openConversation(admin, note, customer.name);
  await expect(message(pane, note)).toBeVisible();

  // And the reply reaches the now signed-in customer live.
  const reply = `Yes, we do (${tag()}).`;
  await send(pane, reply, `${ADMIN.name} (Support)`);
  await expect(message(after, reply)).toContainText(`${ADMIN.name} (Support)`, LIVE);
});

chatTest("a guest gets support's reply live", async ({ page, newPage }) => {
  test.slow();
  const admin = await newPage();
  await signInAdmin(admin);
  await openConsole(admin);

  // A first-time guest: no session yet when the page (and its socket) opened.
  const note = `Is the lamp dimmable? (${tag()})`;
  await open(page, '/');
  const chat = await openChat(page);
  await send(chat, note, 'Guest');

  await expect(listEntry(admin, note)).toBeVisible(LIVE);
  await expect(listEntry(admin, note)).toContainText('Guest');
  const pane = await openConversation(admin, note, 'Guest (guest)');
  const reply = `It is (${tag()}).`;
  await send(pane, reply, `${ADMIN.name} (Support)`);
  await expect(message(chat, reply)).toContainText(`${ADMIN.name} (Support)`, LIVE);
});

chatTest('"Ask about this order" attaches the order for support', async ({ page, newPage }) => {
  test.slow();
  const customer = await signUp(page);
  await openFirstInStockProduct(page, '/c/t-shirts');
  await addToCart(page);
  await open(page, '/checkout');
  await expect(checkoutForm(page)).toBeVisible();
  await placeOrder(page, CARDS.success);
  await expect(page).toHaveURL(/\/orders\/\d+$/);
  const id = Number(/\/orders\/(\d+)$/.exec(page.url())?.[1]);
  await expect(main(page).getByText('Status: Confirmed', { exact: true })).toBeVisible();
  const total = await readCents(main(page).getByText(/^Total: \$\d+\.\d{2}$/));

  await main(page).getByRole('button', { name: 'Ask about this order', exact: true }).click();
  const chat = chatDialog(page);
  await expect(chat).toBeVisible(LAZY);
  await expect(chatLauncher(page)).toHaveAttribute('aria-expanded', 'true');
  await expect(chat.getByText(`About order #${id}`)).toBeVisible();
  await expect(chat.getByRole('button', { name: 'Remove order', exact: true })).toBeVisible();
  const question = `Can I change the size on this one? (${tag()})`;
  await send(chat, question, customer.name);
  // The order went with that message.
  await expect(chat.getByText(`About order #${id}`)).toHaveCount(0);

  const admin = await newPage();
  await signInAdmin(admin);
  await openConsole(admin);
  const pane = await openConversation(admin, customer.name, customer.name);
  await expect(message(pane, question)).toBeVisible();
  const order = pane.getByRole('complementary', { name: 'Order', exact: true });
  await expect(order.getByRole('heading', { name: `Order #${id}`, exact: true })).toBeVisible();
  await expect(order).toContainText('Confirmed');
  expect(await readCents(order.getByText(/\$\d+\.\d{2}/)), 'the order total').toBe(total);
  const view = order.getByRole('link', { name: 'View order', exact: true });
  await expect(view).toBeVisible();
  await view.click();
  await expect(admin).toHaveURL(/\/admin\?q=/);
  await expect(
    admin.getByRole('table', { name: 'Orders', exact: true }).getByRole('rowheader', { name: `#${id}`, exact: true }),
  ).toBeVisible(LAZY);
});

chatTest('support assigns, closes and reopens a conversation', async ({ page, newPage }) => {
  test.slow();
  const customer = await signUp(page);
  await open(page, '/');
  const chat = await openChat(page);
  await send(chat, 'My order arrived damaged.', customer.name);

  const admin = await newPage();
  await signInAdmin(admin);
  await openConsole(admin, '?filter=open');
  await expect(filtersNav(admin).getByRole('link', { name: 'Open', exact: true })).toHaveAttribute(
    'aria-current',
    'page',
  );
  let pane = await openConversation(admin, customer.name, customer.name);
  await expect(conversationState(pane)).toHaveText('Open · Unassigned');

  // Assign to me: the "Mine" list has it.
  await pane.getByRole('button', { name: 'Assign to me', exact: true }).click();
  await expect(conversationState(pane)).toHaveText(`Open · Assigned to ${ADMIN.name}`);
  await expect(pane.getByRole('button', { name: 'Assign to me', exact: true })).toHaveCount(0);
  await chooseFilter(admin, 'Mine');
  await expect(listEntry(admin, customer.name)).toBeVisible();

  // Close: it leaves "Open" and shows under "Closed".
  pane = await openConversation(admin, customer.name, customer.name);
  await expect(admin).toHaveURL(/[?&]filter=mine&conversation=\d+/);
  await pane.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(conversationState(pane)).toHaveText(`Closed · Assigned to ${ADMIN.name}`);
  await expect(pane.getByRole('button', { name: 'Reopen', exact: true })).toBeVisible();
  await expect(pane.getByRole('button', { name: 'Close', exact: true })).toHaveCount(0);
  await expect(listEntry(admin, customer.name)).toContainText('Closed', LIVE);
  await chooseFilter(admin, 'Open');
  await expect(conversationList(admin).getByRole('listitem').first()).toBeVisible();
  await expect(listEntry(admin, customer.name)).toHaveCount(0);
  await chooseFilter(admin, 'Closed');
  await expect(listEntry(admin, customer.name)).toBeVisible();

  // Reopen: open again, and back in the "Open" list.
  pane = await openConversation(admin, customer.name, customer.name);
  await pane.getByRole('button', { name: 'Reopen', exact: true }).click();
  await expect(conversationState(pane)).toHaveText(`Open · Assigned to ${ADMIN.name}`);
  await expect(pane.getByRole('button', { name: 'Close', exact: true })).toBeVisible();
  // The Closed list follows live.
  await expect(listEntry(admin, customer.name)).toHaveCount(0, LIVE);
  await chooseFilter(admin, 'Open');
  await expect(listEntry(admin, customer.name)).toBeVisible();
  await chooseFilter(admin, 'All');
  await expect(listEntry(admin, customer.name)).toBeVisible();
});

chatTest("after support closes the conversation, the customer's next message starts a new one", async ({ page, newPage }) => {
  test.slow();
  const customer = await signUp(page);
  await open(page, '/');
  const chat = await openChat(page);
  const first = `First question (${tag()})`;
  await send(chat, first, customer.name);

  const admin = await newPage();
  await signInAdmin(admin);
  await openConsole(admin, '?filter=all');
  const pane = await openConversation(admin, first, customer.name);
  await pane.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(conversationState(pane)).toHaveText('Closed · Unassigned');

  // The panel is still open on the closed conversation; the next message
  // starts a new one, and the panel shows it.
  const second = `Second question (${tag()})`;
  await messageBox(chat).fill(second);
  await messageBox(chat).press('Enter');
  await expect(message(chat, second)).toContainText(customer.name, LIVE);
  await expect(messagesLog(chat).getByText('Sending…', { exact: true })).toHaveCount(0);

  // Support sees two conversations of this customer: the closed one and the new, open one.
  await expect(listEntry(admin, second)).toContainText('Open', LIVE);
  await expect(listEntry(admin, first)).toContainText('Closed');
  await expect(listEntry(admin, customer.name)).toHaveCount(2);

  // After a reload the panel shows the new conversation.
  await page.reload();
  await waitForHydration(page);
  const again = await openChat(page);
  await expect(message(again, second)).toHaveCount(1, LIVE);
  await expect(messages(again)).toHaveCount(1);
});

chatTest('a message with markup stays text, line breaks kept, on both sides', async ({ page, newPage }) => {
  test.slow();
  const dialogs: string[] = [];
  const customer = await signUp(page);
  const admin = await newPage();
  for (const p of [page, admin]) {
    p.on('dialog', async (dialog) => {
      dialogs.push(dialog.message());
      await dialog.dismiss();
    });
  }
  const hostile = '<img src=x onerror=alert(1)>';
  const second = `second line ${tag()}`;
  const text = `${hostile}\n${second}`;

  await open(page, '/');
  const chat = await openChat(page);
  // Shift+Enter breaks the line; Enter sends.
  const box = messageBox(chat);
  await box.fill(hostile);
  await box.press('Shift+Enter');
  await box.pressSequentially(second);
  await expect(box).toHaveValue(text);
  await box.press('Enter');
  await expect(box).toHaveValue('');
  const sent = message(chat, hostile);
  await expect(sent).toContainText(customer.name, LIVE);
  await expectTextKept(sent, hostile, text);
  await expect(messagesLog(chat).locator('img')).toHaveCount(0);

  await signInAdmin(admin);
  await openConsole(admin);
  const entry = listEntry(admin, customer.name);
  await expect(entry).toContainText(hostile);
  await expect(conversationList(admin).locator('img')).toHaveCount(0);
  const pane = await openConversation(admin, customer.name, customer.name);
  await expectTextKept(message(pane, hostile), hostile, text);
  await expect(messagesLog(pane).locator('img')).toHaveCount(0);

  expect(await page.locator('img[src="x"]').count()).toBe(0);
  expect(await admin.locator('img[src="x"]').count()).toBe(0);
  expect(dialogs, 'no script ran').toEqual([]);
});

/** The message's text element holds `text` exactly, as text, and shows its line break. */
async function expectTextKept(entry: Locator, firstLine: string, text: string): Promise<void> {
  const body = entry.getByText(firstLine);
  await expect(body).toHaveCount(1);
  expect(await body.evaluate((el) => el.textContent), 'stored and shown as sent').toBe(text);
  expect(await body.evaluate((el) => el.childElementCount), 'no markup inside').toBe(0);
  // innerText follows the CSS: the line break is visible (white-space: pre-wrap).
  expect(await body.innerText(), 'the line break shows').toBe(text);
}

chatTest('each side sees the other typing', async ({ page, newPage }) => {
  test.slow();
  const customer = await signUp(page);
  await open(page, '/');
  const chat = await openChat(page);
  await send(chat, 'Are you there?', customer.name);

  const admin = await newPage();
  await signInAdmin(admin);
  await openConsole(admin);
  const pane = await openConversation(admin, customer.name, customer.name);
  const customerTyping = pane.getByText('Customer is typing…', { exact: true });
  await expect(customerTyping).toHaveCount(0);

  // Typing is a signal, not stored: keep typing until the console, now
  // subscribed, shows it.
  const box = messageBox(chat);
  await expect(async () => {
    await box.press('a');
    await expect(customerTyping).toBeVisible({ timeout: 2_000 });
  }).toPass(LIVE);
  // It goes once the customer stops.
  await expect(customerTyping).toHaveCount(0, LIVE);

  const supportTyping = chat.getByText('Support is typing…', { exact: true });
  await expect(supportTyping).toHaveCount(0);
  const reply = messageBox(pane);
  await expect(async () => {
    await reply.press('b');
    await expect(supportTyping).toBeVisible({ timeout: 2_000 });
  }).toPass(LIVE);
  // A message from support ends its "typing…" at once.
  await reply.fill('Yes, here.');
  await reply.press('Enter');
  await expect(message(chat, 'Yes, here.')).toBeVisible(LIVE);
  await expect(supportTyping).toHaveCount(0);
});

chatTest('the panel refuses an empty message and closes with × or Escape', async ({ page }) => {
  await open(page, '/');
  const chat = await openChat(page);
  const box = messageBox(chat);
  await chat.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(chat.getByRole('alert')).toHaveText('Write a message first.');
  await expect(box).toHaveAttribute('aria-invalid', 'true');
  await box.fill('   ');
  await box.press('Enter');
  await expect(chat.getByRole('alert')).toHaveText('Write a message first.');
  await expect(messages(chat)).toHaveCount(0);

  // Over 4,000 characters cannot be sent: the box stops at the limit, or
  // the panel says why.
  await box.fill('a'.repeat(4001));
  const length = (await box.inputValue()).length;
  if (length > 4000) {
    await box.press('Enter');
    await expect(chat.getByRole('alert')).toContainText('4000');
    await expect(messages(chat)).toHaveCount(0);
  } else {
    expect(length, 'the message box holds at most 4,000 characters').toBe(4000);
  }

  await chat.getByRole('button', { name: 'Close chat', exact: true }).click();
  await expect(chat).toBeHidden();
  await expect(chatLauncher(page)).toHaveAttribute('aria-expanded', 'false');
  await chatLauncher(page).click();
  await expect(chat).toBeVisible();
  await box.press('Escape');
  await expect(chat).toBeHidden();
  await expect(chatLauncher(page)).toHaveAttribute('aria-expanded', 'false');
});

chatTest('a message whose answer was lost is kept with Retry and sent once', async ({ page }) => {
  test.slow();
  const customer = await signUp(page);
  await open(page, '/');
  const chat = await openChat(page);

  // The first attempt reaches the server, but its answer is held, then lost.
  let release = (): void => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route('**/api/chat/send', async (route) => {
    await route.fetch();
    await held;
    await route.abort('failed');
  });
  const text = `Is this thing on? (${tag()})`;
  await messageBox(chat).fill(text);
  await chat.getByRole('button', { name: 'Send', exact: true }).click();
  const pending = message(chat, text);
  await expect(pending.getByText('Sending…', { exact: true })).toBeVisible();
  release();
  const retry = pending.getByRole('button', { name: 'Not sent — Retry', exact: true });
  await expect(retry).toBeVisible(LIVE);
  // With the reason beside it.
  await expect(pending).toContainText(/Not sent — Retry\s*\S/);
  await page.unroute('**/api/chat/send');

  // Retrying sends the same message: the server keeps one.
  await retry.click();
  await expect(message(chat, text)).toContainText(customer.name, LIVE);
  await expect(message(chat, text)).toHaveCount(1);
  await expect(chat.getByRole('button', { name: 'Not sent — Retry', exact: true })).toHaveCount(0);
  await page.reload();
  await waitForHydration(page);
  const again = await openChat(page);
  await expect(message(again, text)).toHaveCount(1, LIVE);
  await expect(messages(again)).toHaveCount(1);
});
