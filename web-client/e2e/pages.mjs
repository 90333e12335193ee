// What the Chromium tests do on the chat page as a user would: sign in, join, say, wait for a line, open a
// conversation. Each user's page lives in a browser context of its own (its own sessionStorage, its own device).

export const WAIT = { timeout: 30_000 };

/** A signed-in user's page; {@code problems} collects page errors and console errors (not the expected network ones). */
export async function signIn(browser, baseUrl, name, viewport = { width: 1100, height: 720 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', e => problems.push(`page error: ${e.message}`));
  page.on('console', m => {
    if (m.type() === 'error' && !/WebSocket|ERR_CONNECTION_REFUSED|503/.test(m.text())) {
      problems.push(`console error: ${m.text()} (${m.location().url})`);
    }
  });
  await page.goto(baseUrl);
  await page.fill('#name', name);
  await page.click('#signin-form button[type=submit]');
  await page.waitForSelector('#status[data-state=connected]', WAIT);
  return { page, context, problems, name };
}

export async function joinGroup(user, group) {
  await user.page.fill('#join-name', group);
  await user.page.click('#join-form button');
  await user.page.waitForFunction(title => document.getElementById('title').textContent === title, `# ${group}`, WAIT);
}

export async function say(user, text) {
  await user.page.fill('#text', text);
  await user.page.press('#text', 'Enter');
}

/** The messages the page shows in the open conversation (not the ones still being sent), as "from: body". */
export function shown(user) {
  return user.page.$$eval('#messages li.message:not(.is-pending)',
      items => items.map(li => `${li.querySelector('.from').textContent}: ${li.querySelector('.body').textContent}`));
}

export async function waitUntilShown(user, line) {
  await user.page.waitForFunction(expected => [...document.querySelectorAll('#messages li.message:not(.is-pending)')]
      .some(li => `${li.querySelector('.from').textContent}: ${li.querySelector('.body').textContent}` === expected),
  line, WAIT);
}

export async function open(user, view) {
  await user.page.click(`button[data-view="${view}"]`);
  await user.page.waitForFunction(v => document.querySelector(`button[data-view="${v}"]`)?.getAttribute('aria-current'),
      view, WAIT);
}
