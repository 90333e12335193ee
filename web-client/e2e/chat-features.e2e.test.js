// The chat page's 1.1 chat features in headless Chromium, two users in two browser contexts on one node with Redis:
// who is typing, read ticks on my messages (✓ stored, ✓✓ read), unread badges live and from the server's read
// markers at a new sign-in, and a conversation read on one device clearing its badge on the other; editing and
// deleting my own messages, seen live by the other user and in history after a reload. Keeps a screenshot
// (web-client/target/e2e/chat-features.png; the README's is a copy).
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
    // (as a person types: a frame goes out every 2.5 s of typing, so a sentence typed over 3 s sends one at least, even
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

/** The text the page shows for the message whose body was {@code body} when sent: its latest, and its labels. */
function messageLine(user, index) {
  return user.page.$$eval('#messages li.message', (items, i) => {
    const li = items[i];
    return li ? `${li.querySelector('.body').textContent}${li.querySelector('.edited') ? ' (edited)' : ''}` : null;
  }, index);
}

async function waitForLine(user, index, expected) {
  await user.page.waitForFunction(([i, text]) => {
    const li = document.querySelectorAll('#messages li.message')[i];
    return li && `${li.querySelector('.body').textContent}${li.querySelector('.edited') ? ' (edited)' : ''}` === text;
  }, [index, expected], WAIT);
}

test('my own messages are edited and deleted, live for the other user and in history after a reload', async () => {
  const node = await startNode();
  const alice = await signIn(node.url, 'alice');
  const bob = await signIn(node.url, 'bob');
  try {
    await joinGroup(alice, 'edits');
    await joinGroup(bob, 'edits');
    await say(alice, 'helo wrold');
    await say(alice, 'something I regret');
    await waitUntilShown(bob, 'alice: something I regret');

    const mine = alice.page.locator('#messages li.message.mine');
    await mine.nth(0).hover();
    await mine.nth(0).locator('button.edit').click();
    assert.equal(await alice.page.inputValue('#text'), 'helo wrold', 'the composer takes the text back');
    await alice.page.fill('#text', 'hello world');
    await alice.page.press('#text', 'Enter');
    await waitForLine(bob, 0, 'hello world (edited)');

    await mine.nth(1).hover();
    await mine.nth(1).locator('button.delete').click();
    await waitForLine(bob, 1, 'message deleted');
    await waitForLine(alice, 1, 'message deleted');
    assert.equal(await bob.page.locator('#messages li.message').count(), 2, 'versions are folded into their message');

    await bob.page.reload();
    await bob.page.waitForSelector('#status[data-state=connected]', WAIT);
    await waitForLine(bob, 1, 'message deleted');
    assert.equal(await messageLine(bob, 0), 'hello world (edited)');
    assert.ok(!(await bob.page.content()).includes('regret'), 'the deleted text is nowhere on the page');
    assert.deepEqual(alice.problems, []);
    assert.deepEqual(bob.problems, []);
  } finally {
    await alice.context.close();
    await bob.context.close();
    await node.kill();
  }
});
