// The chat page in headless Chromium (Debian's chromium, driven by playwright-core): two users in two
// browser contexts chat in a group and by DM, page through history, and one user's node is crashed while
// the other keeps sending; the first page must reconnect by itself and show every missed message once, in
// order. Against one node (with Redis, so a restart keeps the history), against one in-memory node
// (whose restart loses it: the page must say so), and against the local cluster through HAProxy.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { resolve } from 'node:path';
import { artifacts, launchBrowser, publish, startCluster, startNode, startRedis } from './servers.mjs';
import { WAIT, joinGroup, open, say, shown, signIn as signInWith, waitUntilShown } from './pages.mjs';

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** A signed-in user's page (see pages.mjs), in this file's browser. */
function signIn(baseUrl, name, viewport) {
  return signInWith(browser, baseUrl, name, viewport);
}

async function nodeOf(user) {
  return user.page.getAttribute('#status', 'data-node');
}

/**
 * The scenario every deployment must pass. {@code crash(aliceNode, bobNode)} stops alice's node and
 * resolves when it is gone; {@code recover()} (optional) brings it back after the first half of the missed messages.
 */
async function chatAndSurviveACrash({ baseUrl, label, crash, recover, moved }) {
  const group = `lobby-${label}`;
  for (let i = 1; i <= 60; i++) {
    await publish(baseUrl, `group/${group}`, `earlier ${i}`, 'carol');
  }
  const alice = await signIn(baseUrl, `alice-${label}`);
  const bob = await signIn(baseUrl, `bob-${label}`);
  try {
    await joinGroup(alice, group);
    await joinGroup(bob, group);

    // History: the newest page, then the earlier ones on request, in order.
    await waitUntilShown(alice, 'carol: earlier 60');
    assert.equal((await shown(alice)).length, 50);
    await alice.page.click('#older');
    await waitUntilShown(alice, 'carol: earlier 1');
    assert.deepEqual(await shown(alice), Array.from({ length: 60 }, (_, i) => `carol: earlier ${i + 1}`));
    assert.equal(await alice.page.isHidden('#older'), true, 'no earlier page left');

    // Presence: each sees the other online in the group.
    await alice.page.waitForFunction(who => [...document.querySelectorAll('#online li')].some(li => li.textContent === who),
        bob.name, WAIT);

    // Group chat, both ways.
    await say(alice, 'hello from alice');
    await waitUntilShown(bob, `${alice.name}: hello from alice`);
    await say(bob, 'hi alice');
    await waitUntilShown(alice, `${bob.name}: hi alice`);
    await alice.page.screenshot({ path: resolve(artifacts, `${label}-group.png`) });

    // Direct messages: bob opens a conversation; alice sees it appear, unread, and answers.
    await bob.page.fill('#dm-name', alice.name);
    await bob.page.click('#dm-form button');
    await say(bob, 'psst, alice');
    await alice.page.waitForSelector(`button[data-view="dm/${bob.name}"] .badge`, WAIT);
    await open(alice, `dm/${bob.name}`);
    await waitUntilShown(alice, `${bob.name}: psst, alice`);
    await say(alice, 'yes, bob?');
    await waitUntilShown(bob, `${alice.name}: yes, bob?`);
    assert.deepEqual(await shown(bob), [`${bob.name}: psst, alice`, `${alice.name}: yes, bob?`]);
    await open(alice, `group/${group}`);
    await open(bob, `group/${group}`);

    // Alice's node crashes; bob keeps sending; alice's page must come back by itself with all of it.
    const aliceNode = await nodeOf(alice);
    await crash(aliceNode, await nodeOf(bob));
    const missed = Array.from({ length: 10 }, (_, i) => `missed ${i + 1}`);
    for (const text of missed.slice(0, 5)) {
      await say(bob, text);
    }
    await recover?.();
    for (const text of missed.slice(5)) {
      await say(bob, text);
    }
    await say(bob, 'last one');
    await waitUntilShown(alice, `${bob.name}: last one`);
    await bob.page.waitForFunction(() => document.querySelectorAll('#messages .is-pending').length === 0, null, WAIT);

    const lines = await shown(alice);
    assert.deepEqual(lines.filter(l => /: (missed \d+|last one)$/.test(l)),
        [...missed, 'last one'].map(text => `${bob.name}: ${text}`), 'every missed message once, in order');
    assert.deepEqual(lines.slice(0, 62), [
      ...Array.from({ length: 60 }, (_, i) => `carol: earlier ${i + 1}`),
      `${alice.name}: hello from alice`, `${bob.name}: hi alice`]);
    assert.match(await alice.page.textContent('#status'), /^connected to \S+ · resumed$/);
    moved?.(aliceNode, await nodeOf(alice));
    assert.deepEqual(await alice.page.$$eval('#notices li', items => items.map(li => li.textContent)), [],
        'nothing was reported lost');
    assert.deepEqual(await shown(bob), lines.slice(10), 'both see the same conversation (bob did not page back)');

    await alice.page.screenshot({ path: resolve(artifacts, `${label}-alice.png`) });
    await bob.page.screenshot({ path: resolve(artifacts, `${label}-bob.png`) });
    assert.deepEqual(alice.problems, []);
    assert.deepEqual(bob.problems, []);
  } finally {
    await alice.context.close();
    await bob.context.close();
  }
}

test('one node (with Redis): chat, DM, history, and a crash of the node while a user keeps sending', async () => {
  const redis = await startRedis();
  const node = await startNode({ REDIS_URL: redis.url });
  try {
    await chatAndSurviveACrash({
      baseUrl: node.url,
      label: 'one',
      crash: () => node.kill(),
      recover: () => node.start(),
    });
  } finally {
    await node.kill();
    await redis.stop();
  }
});

test('local cluster through HAProxy: the crashed node\'s user moves to another node and misses nothing', async () => {
  const cluster = await startCluster(3);
  try {
    await chatAndSurviveACrash({
      baseUrl: cluster.url,
      label: 'cluster',
      crash: async (aliceNode, bobNode) => {
        assert.notEqual(aliceNode, bobNode, 'HAProxy (leastconn) put the two users on two nodes');
        await cluster.kill(aliceNode);
      },
      moved: (before, after) => assert.notEqual(after, before, 'alice now talks to another node'),
    });
  } finally {
    await cluster.stop();
  }
});

test('an in-memory node restarted empty: the page reconnects and says what could not be recovered', async () => {
  const node = await startNode();
  const alice = await signIn(node.url, 'alice-mem');
  try {
    await joinGroup(alice, 'mem');
    await say(alice, 'before the restart');
    await waitUntilShown(alice, 'alice-mem: before the restart');
    await node.kill();
    await node.start();
    await alice.page.waitForSelector('#notice:not([hidden])', WAIT);
    const notices = await alice.page.$$eval('#notices li', items => items.map(li => li.textContent));
    assert.ok(notices.some(n => /^Some messages could not be recovered in # mem/.test(n)), notices.join('\n'));
    assert.ok(notices.some(n => /^You are no longer a member of # mem/.test(n)), notices.join('\n'));
    await alice.page.waitForSelector('#status[data-state=connected]', WAIT);
    // The group is stored in memory too, so alice joins it again and carries on.
    await joinGroup(alice, 'mem');
    await say(alice, 'after the restart');
    await waitUntilShown(alice, 'alice-mem: after the restart');
  } finally {
    await alice.context.close();
    await node.kill();
  }
});

test('the page fits a phone screen', async () => {
  const node = await startNode();
  const user = await signIn(node.url, 'phone-user', { width: 390, height: 844 });
  try {
    await joinGroup(user, 'mobile');
    await say(user, 'typed on a phone');
    await waitUntilShown(user, 'phone-user: typed on a phone');
    const overflow = await user.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than the phone`);
    assert.ok(await user.page.isVisible('#composer'), 'the composer is on screen');
    await user.page.screenshot({ path: resolve(artifacts, 'phone.png') });
  } finally {
    await user.context.close();
    await node.kill();
  }
});

test('sign-in errors are shown, and the SDK is served on its own', async () => {
  const node = await startNode({ AUTH_MODE: 'jwt', JWT_SECRET: 'e2e-secret-that-is-long-enough-for-hs256!!' });
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(node.url);
    await page.waitForSelector('#token-field:not([hidden])', WAIT);
    await page.fill('#token', 'not-a-token');
    await page.click('#signin-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('signin-error').textContent.length > 0, null, WAIT);
    assert.match(await page.textContent('#signin-error'), /Could not sign in: not signed in/);
    const sdk = await fetch(new URL('chat-client.js', node.url));
    assert.equal(sdk.status, 200);
    assert.match(sdk.headers.get('content-type'), /javascript/);
    assert.match(await sdk.text(), /export class ChatClient/);
  } finally {
    await context.close();
    await node.kill();
  }
});

/** An HS256 JWT, as an application's backend would sign it. */
function hs256(secret, claims) {
  const part = value => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

test('under token sign-in a closed group refuses a join, and the page says why; an open one takes it', async () => {
  const secret = 'e2e-secret-that-is-long-enough-for-hs256!!';
  const node = await startNode({ AUTH_MODE: 'jwt', JWT_SECRET: secret, OPEN_GROUPS: 'public.*' });
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(node.url);
    await page.waitForSelector('#token-field:not([hidden])', WAIT);
    await page.fill('#token', hs256(secret, { sub: 'alice', exp: Math.floor(Date.now() / 1000) + 3600 }));
    await page.click('#signin-form button[type=submit]');
    await page.waitForSelector('#status[data-state=connected]', WAIT);
    const user = { page };
    await page.fill('#join-name', 'vip');
    await page.click('#join-form button');
    await page.waitForSelector('#notice:not([hidden])', WAIT);
    const notices = await page.$$eval('#notices li', items => items.map(li => li.textContent));
    assert.ok(notices.some(n => /^Could not join vip: not allowed \(group\/vip is closed/.test(n)), notices.join('\n'));
    await joinGroup(user, 'public.lobby');
  } finally {
    await context.close();
    await node.kill();
  }
});
