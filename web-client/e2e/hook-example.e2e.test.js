// The example backend (examples/hook-backend) against a real node under hook sign-in, in headless Chromium:
// the application's own sign-in sets a cookie, the browser's WebSocket upgrade carries it to the node, and the
// connect hook turns it into the chat user; the join hook keeps a paid group to its members; the publish hook
// refuses one message and rewrites another; the membership API made the user a member of a closed group; the
// webhook tells it of a direct message to someone offline.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { artifacts, freePort, launchBrowser, startExampleBackend, startNode, waitFor } from './servers.mjs';

const WAIT = { timeout: 30_000 };
const HOOK_SECRET = 'e2e-hook-secret-of-at-least-32-bytes!!';
let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

async function signInAtTheApp(backend, user, password) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', e => problems.push(`page error: ${e.message}`));
  await page.goto(backend.url);
  await page.fill('#user', user);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('#status[data-state=connected]', WAIT);
  return { page, context, problems };
}

async function notices(page) {
  return page.$$eval('#notices li', items => items.map(li => li.textContent));
}

async function waitForNotice(page, pattern) {
  await page.waitForFunction(source => [...document.querySelectorAll('#notices li')]
    .some(li => new RegExp(source).test(li.textContent)), pattern.source, WAIT);
}

test('the example backend signs the browser in by its cookie, decides joins, moderates messages and hears of a DM to someone offline', async () => {
  const backendPort = await freePort();
  const hooks = `http://127.0.0.1:${backendPort}/hooks`;
  const node = await startNode({ AUTH_MODE: 'hook', CONNECT_HOOK_URL: `${hooks}/connect`,
    JOIN_HOOK_URL: `${hooks}/join`, PUBLISH_HOOK_URL: `${hooks}/publish`, PUBLISH_HOOK_CHANNELS: 'group/*,user/*',
    HOOK_SECRET, OPEN_GROUPS: 'public.*', WEBHOOK_URL: `http://127.0.0.1:${backendPort}/events`,
    WEBHOOK_SECRET: HOOK_SECRET });
  const backend = await startExampleBackend(backendPort, node.url, HOOK_SECRET);
  const opened = [];
  try {
    // Without the application's cookie the page is told where to sign in.
    const stranger = await browser.newContext();
    opened.push(stranger);
    const lost = await stranger.newPage();
    await lost.goto(node.url);
    await lost.waitForFunction(() => document.getElementById('signin-error').textContent.length > 0, null, WAIT);
    assert.match(await lost.textContent('#signin-error'), /Could not sign in: not signed in \(sign in at http:\/\/127\.0\.0\.1:\d+\/ first\)/);

    const alice = await signInAtTheApp(backend, 'alice', 'wonderland');
    opened.push(alice.context);
    assert.equal(await alice.page.textContent('#me'), 'alice', 'the connect hook named the user from the cookie');
    // the application made alice a member of the closed group team when she signed in
    await alice.page.waitForSelector('button[data-view="group/team"]', WAIT);

    // The join hook lets a member of paid.club in, and keeps bob out with the application's words.
    await alice.page.fill('#join-name', 'paid.club');
    await alice.page.click('#join-form button');
    await alice.page.waitForFunction(() => document.getElementById('title').textContent === '# paid.club', null, WAIT);
    const bob = await signInAtTheApp(backend, 'bob', 'builder');
    opened.push(bob.context);
    await bob.page.fill('#join-name', 'paid.club');
    await bob.page.click('#join-form button');
    await waitForNotice(bob.page, /^Could not join paid\.club: not allowed \(group paid\.club is for paying members\)$/);

    // The publish hook rewrites one message and refuses another.
    await alice.page.fill('#text', 'darn, that was close');
    await alice.page.press('#text', 'Enter');
    await alice.page.waitForFunction(() => [...document.querySelectorAll('#messages li.message:not(.is-pending) .body')]
      .some(b => b.textContent === 'd**n, that was close'), null, WAIT);
    await alice.page.fill('#text', 'BUY NOW: cheap tickets');
    await alice.page.press('#text', 'Enter');
    await waitForNotice(alice.page, /^Not sent: not allowed \(no advertising, please\)$/);
    // A direct message to carol, who is not signed in: the webhook tells the backend, which "pushes" it.
    await alice.page.fill('#dm-name', 'carol');
    await alice.page.click('#dm-form button');
    await alice.page.fill('#text', 'lunch at noon?');
    await alice.page.press('#text', 'Enter');
    await waitFor('the push notification for carol', () => readFileSync(backend.log, 'utf8')
      .includes('push notification to carol: alice wrote "lunch at noon?"'));
    await alice.page.screenshot({ path: resolve(artifacts, 'hook-example-alice.png') });
    assert.ok((await notices(alice.page)).every(n => !/could not be recovered/.test(n)));
    assert.deepEqual(alice.problems, []);
  } finally {
    for (const context of opened) {
      await context.close();
    }
    await backend.stop();
    await node.kill();
  }
});
