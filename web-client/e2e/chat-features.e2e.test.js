// The chat page's 1.1 chat features in headless Chromium, two users in two browser contexts on one node with Redis:
// who is typing, read ticks on my messages (✓ stored, ✓✓ read), unread badges live and from the server's read
// markers at a new sign-in, and a conversation read on one device clearing its badge on the other. Keeps a
// screenshot (web-client/target/e2e/chat-features.png; the README's is a copy).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { artifacts, launchBrowser, startNode, startRedis } from './servers.mjs';
import { WAIT, joinGroup, open, say, signIn as signInWith, waitUntilShown } from './pages.mjs';

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

function signIn(baseUrl, name) {
  return signInWith(browser, baseUrl, name, { width: 1100, height: 640 });
}

/** Waits for the badge of {@code view} in the sidebar to say {@code count} (null: no badge). */
async function badge(user, view, count) {
  await user.page.waitForFunction(([v, n]) => {
    const text = document.querySelector(`button[data-view="${v}"] .badge`)?.textContent ?? null;
    return text === n;
  }, [view, count === null ? null : String(count)], WAIT);
}

/** Waits until my message {@code body} shows as read by {@code readers} (✓✓). */
async function readBy(user, body, readers) {
  await user.page.waitForFunction(([b, r]) => [...document.querySelectorAll('#messages li.message.mine')]
      .some(li => li.querySelector('.body').textContent === b && li.querySelector('.ticks')?.dataset.readBy === r),
  [body, readers], WAIT);
}

test('typing, read ticks and unread badges between two browser users', async () => {
  const redis = await startRedis();
  const node = await startNode({ REDIS_URL: redis.url });
  const alice = await signIn(node.url, 'alice');
  const bob = await signIn(node.url, 'bob');
  let aliceAgain;
  try {
    await joinGroup(alice, 'design');
    await joinGroup(bob, 'design');

    // Ticks: bob's message is stored (✓), then read by alice, who has the group open (✓✓ read by alice).
    await say(bob, 'did you see the new draft?');
    await waitUntilShown(alice, 'bob: did you see the new draft?');
    await readBy(bob, 'did you see the new draft?', 'alice');
    await say(alice, 'yes, looks good');
    await readBy(alice, 'yes, looks good', 'bob');

    // Unread, live: a direct message to bob, who has the group open, shows as a badge.
    await alice.page.fill('#dm-name', 'bob');
    await alice.page.click('#dm-form button');
    await say(alice, 'can we talk about the budget?');
    await badge(bob, 'dm/alice', 1);

    // Typing: alice types in the group (without sending), and bob sees it.
    await open(alice, 'group/design');
    // (as a person types: a frame goes out every 2 s of typing, so a sentence typed over 3 s sends one at least, even
    // right after the frame the last message's typing sent)
    await alice.page.type('#text', 'one more thing about the budget', { delay: 100 });
    await bob.page.waitForFunction(() => document.getElementById('typing').textContent === 'alice is typing…', null, WAIT);
    await bob.page.screenshot({ path: resolve(artifacts, 'chat-features.png') });
    await alice.page.fill('#text', '');

    // Unread from the server: alice looks elsewhere, bob writes twice; alice signs in on a new device and the group
    // shows 2 (counted from her read marker, her own messages not counted).
    await open(alice, 'broadcast');
    await say(bob, 'first thing you missed');
    await say(bob, 'second thing you missed');
    await badge(alice, 'group/design', 2);
    aliceAgain = await signIn(node.url, 'alice');
    await badge(aliceAgain, 'group/design', 2);

    // Read on the new device: the conversation is read there, its badge goes on the first device too, and bob's
    // messages get their ticks.
    await open(aliceAgain, 'group/design');
    await badge(aliceAgain, 'group/design', null);
    await badge(alice, 'group/design', null);
    await readBy(bob, 'second thing you missed', 'alice');

    // The direct conversation: bob reads it, alice's message gets ✓✓.
    await open(bob, 'dm/alice');
    await badge(bob, 'dm/alice', null);
    await open(alice, 'dm/bob');
    await readBy(alice, 'can we talk about the budget?', 'bob');

    assert.deepEqual(alice.problems, []);
    assert.deepEqual(bob.problems, []);
  } finally {
    await aliceAgain?.context.close();
    await alice.context.close();
    await bob.context.close();
    await node.kill();
    await redis.stop();
  }
});
