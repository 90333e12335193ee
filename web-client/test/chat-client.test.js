// Unit tests of the SDK's logic: backoff, resend, dedupe, resume. A scripted socket and a manual clock
// stand in for the network and time, so every step is decided by the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatClient, ChatError, applyVersions, backoffDelay, reconnectPlan } from '../src/chat-client.js';

/** Timers that run only when the test advances the clock. */
class ManualClock {
  constructor() {
    this.now = 0;
    this.timers = new Map();
    this.nextId = 1;
  }

  setTimeout = (fn, ms) => {
    const id = this.nextId++;
    this.timers.set(id, { fn, at: this.now + ms, ms });
    return id;
  };

  clearTimeout = id => {
    this.timers.delete(id);
  };

  /** Delays of the timers now pending, in the order they were set. */
  pending() {
    return [...this.timers.values()].map(t => t.ms);
  }

  advance(ms) {
    this.now += ms;
    for (const [id, timer] of [...this.timers].sort((a, b) => a[1].at - b[1].at)) {
      if (timer.at <= this.now && this.timers.has(id)) {
        this.timers.delete(id);
        timer.fn();
      }
    }
  }
}

/** A WebSocket the test plays the server for; every instance is kept in order of creation. */
function socketFactory() {
  const sockets = [];
  class ScriptedSocket {
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.sent = [];
      sockets.push(this);
    }

    send(text) {
      assert.equal(this.readyState, 1, 'wrote to a socket that is not open');
      this.sent.push(JSON.parse(text));
    }

    close(code, reason) {
      this.readyState = 3;
      this.closedWith = { code, reason };
    }

    // ---- the server's side ----
    open() {
      this.readyState = 1;
      this.onopen();
    }

    deliver(frame) {
      this.onmessage({ data: JSON.stringify(frame) });
    }

    drop(code = 1006, reason = '') {
      this.readyState = 3;
      this.onclose({ code, reason });
    }

    framesOf(type) {
      return this.sent.filter(f => f.type === type);
    }
  }
  return { ScriptedSocket, sockets };
}

function memoryStorage() {
  const items = new Map();
  return {
    getItem: key => items.get(key) ?? null,
    setItem: (key, value) => items.set(key, String(value)),
    removeItem: key => items.delete(key),
  };
}

function newClient(overrides = {}) {
  const clock = new ManualClock();
  const { ScriptedSocket, sockets } = socketFactory();
  const client = new ChatClient({
    url: 'ws://gateway.test/ws',
    user: 'alice',
    device: 'phone-1',
    WebSocket: ScriptedSocket,
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    random: () => 0.5,
    now: () => clock.now,
    ...overrides,
  });
  const states = [];
  client.on('state', s => states.push(s));
  return { client, clock, sockets, states };
}

function connectedFrame(node = 'gw-1', recovered = {}, channels = ['user/alice', 'broadcast']) {
  return { type: 'connected', session: `${node}-s`, user: 'alice', node, heartbeat: 25, channels, recovered };
}

function message(channel, id, position, body = id) {
  return { type: 'message', channel, id, position, from: 'bob', to: channel, ts: 1, body };
}

/** Lets promise callbacks that are due run. */
const settled = () => new Promise(resolve => setImmediate(resolve));

/** Opens the client's newest socket and answers its connect frame. */
function accept(sockets, node, recovered) {
  const socket = sockets.at(-1);
  socket.open();
  const connect = socket.framesOf('connect')[0];
  socket.deliver(connectedFrame(node, recovered));
  return { socket, connect };
}

// ---- backoff --------------------------------------------------------------------------------------

test('backoff is full jitter under a cap that doubles from 0.5 s to 20 s', () => {
  const caps = [0, 1, 2, 3, 4, 5, 6, 7, 40].map(attempt => backoffDelay(attempt, {}, () => 0.999999));
  assert.deepEqual(caps, [499, 999, 1999, 3999, 7999, 15999, 19999, 19999, 19999]);
  assert.equal(backoffDelay(5, {}, () => 0), 0, 'full jitter reaches down to zero');
  assert.equal(backoffDelay(2, { initialMs: 100, maxMs: 300 }, () => 0.5), 150);
});

test('the close codes table decides whether and when to reconnect', () => {
  for (const code of [1000, 1002, 1007, 1009, 4001, 4003]) {
    assert.deepEqual(reconnectPlan(code, '', 0), { reconnect: false }, `code ${code} must stop`);
  }
  for (const code of [1001, 1006, 1011, 4008, 4500]) {
    assert.deepEqual(reconnectPlan(code, '', 3, {}, () => 0.5), { reconnect: true, delayMs: 2000 }, `code ${code}`);
  }
  assert.deepEqual(reconnectPlan(4029, 'rate limited; retry-after=10', 0, {}, () => 0.5),
      { reconnect: true, delayMs: 10_500 }, 'waits for the delay in the reason');
  assert.deepEqual(reconnectPlan(4100, 'draining', 6, {}, () => 0.5), { reconnect: true, delayMs: 500 },
      'a draining node: at once, within a short jitter window, whatever the attempt count');
});

test('reconnects after each drop with growing delays, and starts over after a success', () => {
  const { client, clock, sockets, states } = newClient({ random: () => 0.999999 });
  client.connect();
  accept(sockets, 'gw-1');
  for (let i = 0; i < 4; i++) {
    sockets.at(-1).drop(1006);
    const wait = clock.pending().at(-1);
    clock.advance(wait);
  }
  const delays = states.filter(s => s.state === 'reconnecting' && s.delayMs != null).map(s => s.delayMs);
  assert.deepEqual(delays, [499, 999, 1999, 3999]);
  accept(sockets, 'gw-2');
  sockets.at(-1).drop(4500);
  assert.equal(states.at(-1).delayMs, 499, 'a successful connect resets the backoff');
  assert.equal(sockets.length, 5);
});

test('4001 stops for good: connect() fails and nothing is scheduled', async () => {
  const { client, clock, sockets } = newClient();
  const connecting = client.connect();
  sockets[0].open();
  sockets[0].deliver({ type: 'error', code: 'unauthorized', message: 'bad token', temporary: false });
  sockets[0].drop(4001, 'unauthorized');
  await assert.rejects(connecting, e => e instanceof ChatError && e.code === 'unauthorized');
  assert.equal(client.state, 'stopped');
  assert.deepEqual(clock.pending(), []);
});

// ---- resend ----------------------------------------------------------------------------------------

test('unacked sends go out again after a reconnect, with the same seq, in order', async () => {
  const { client, clock, sockets } = newClient();
  client.connect();
  const first = accept(sockets, 'gw-1').socket;
  const a = client.send('group/dev', 'one');
  const b = client.send('group/dev', 'two');
  first.deliver({ type: 'ack', seq: 1, channel: 'group/dev', id: 'm1', position: 'e.1-0' });
  first.drop(1006);
  const c = client.send('group/dev', 'three');   // while disconnected: waits
  clock.advance(clock.pending().at(-1));
  const second = accept(sockets, 'gw-2').socket;

  assert.deepEqual(first.framesOf('send').map(f => [f.seq, f.body]), [[1, 'one'], [2, 'two']]);
  assert.deepEqual(second.framesOf('send').map(f => [f.seq, f.body]), [[2, 'two'], [3, 'three']],
      'the acked send is not repeated; the others keep their seq');
  second.deliver({ type: 'ack', seq: 2, channel: 'group/dev', id: 'm2', position: 'e.2-0' });
  second.deliver({ type: 'ack', seq: 3, channel: 'group/dev', id: 'm3', position: 'e.3-0' });
  assert.deepEqual((await Promise.all([a, b, c])).map(ack => ack.id), ['m1', 'm2', 'm3']);
  assert.deepEqual(client.pendingSends(), []);
});

test('a temporary refusal is retried with the same seq; a final one fails the send', async () => {
  const { client, clock, sockets } = newClient();
  client.connect();
  const { socket } = accept(sockets, 'gw-1');
  const busy = client.send('group/dev', 'later');
  const refused = client.send('group/ops', 'nope');
  socket.deliver({ type: 'error', seq: 1, code: 'unavailable', message: 'store down', temporary: true });
  socket.deliver({ type: 'error', seq: 2, code: 'forbidden', message: 'not a member', temporary: false });
  await assert.rejects(refused, e => e.code === 'forbidden');
  clock.advance(clock.pending().at(-1));
  assert.deepEqual(socket.framesOf('send').map(f => f.seq), [1, 2, 1]);
  socket.deliver({ type: 'ack', seq: 1, channel: 'group/dev', id: 'm1', position: 'e.1-0' });
  assert.equal((await busy).id, 'm1');
});

test('a channel\'s later sends wait behind a temporarily refused one, then go one at a time', async () => {
  const { client, clock, sockets } = newClient();
  client.connect();
  const { socket } = accept(sockets, 'gw-1');
  const sent = () => socket.framesOf('send').map(f => f.seq);
  const first = client.send('group/dev', 'one');
  const second = client.send('group/dev', 'two');
  const elsewhere = client.send('group/ops', 'other channel');
  assert.deepEqual(sent(), [1, 2, 3], 'pipelined while nothing is refused');
  socket.deliver({ type: 'error', seq: 1, code: 'rate_limited', message: 'slow down', temporary: true });
  socket.deliver({ type: 'ack', seq: 2, channel: 'group/dev', id: 'm2', position: 'e.2-0' });
  const third = client.send('group/dev', 'three');
  const fourth = client.send('group/dev', 'four');
  const other = client.send('group/ops', 'not held');
  assert.deepEqual(sent(), [1, 2, 3, 6], 'group/dev is held; group/ops is not');
  clock.advance(clock.pending().at(-1));
  assert.deepEqual(sent(), [1, 2, 3, 6, 1], 'the retry goes alone');
  socket.deliver({ type: 'error', seq: 1, code: 'unavailable', message: 'still busy', temporary: true });
  clock.advance(clock.pending().at(-1));
  assert.deepEqual(sent(), [1, 2, 3, 6, 1, 1], 'refused again: retried again, still first');
  socket.deliver({ type: 'ack', seq: 1, channel: 'group/dev', id: 'm1', position: 'e.3-0' });
  assert.deepEqual(sent(), [1, 2, 3, 6, 1, 1, 4], 'then the next, after the retry\'s ack');
  socket.deliver({ type: 'ack', seq: 4, channel: 'group/dev', id: 'm4', position: 'e.4-0' });
  assert.deepEqual(sent(), [1, 2, 3, 6, 1, 1, 4, 5]);
  socket.deliver({ type: 'ack', seq: 5, channel: 'group/dev', id: 'm5', position: 'e.5-0' });
  const fifth = client.send('group/dev', 'five');
  assert.deepEqual(sent(), [1, 2, 3, 6, 1, 1, 4, 5, 7], 'free again: written at once');
  socket.deliver({ type: 'ack', seq: 7, channel: 'group/dev', id: 'm7', position: 'e.6-0' });
  socket.deliver({ type: 'ack', seq: 3, channel: 'group/ops', id: 'o3', position: 'f.1-0' });
  socket.deliver({ type: 'ack', seq: 6, channel: 'group/ops', id: 'o6', position: 'f.2-0' });
  assert.deepEqual((await Promise.all([first, second, third, fourth, fifth, elsewhere, other])).map(a => a.id),
      ['m1', 'm2', 'm4', 'm5', 'm7', 'o3', 'o6']);
});

test('a reconnect lifts a hold and writes every unacked send again in seq order', () => {
  const { client, clock, sockets } = newClient();
  client.connect();
  const { socket } = accept(sockets, 'gw-1');
  client.send('group/dev', 'one');
  socket.deliver({ type: 'error', seq: 1, code: 'unavailable', message: 'store down', temporary: true });
  client.send('group/dev', 'two');
  assert.deepEqual(socket.framesOf('send').map(f => f.seq), [1]);
  socket.drop(4100, 'draining');
  clock.advance(clock.pending().at(-1));
  const { socket: again } = accept(sockets, 'gw-2');
  assert.deepEqual(again.framesOf('send').map(f => f.seq), [1, 2]);
  assert.deepEqual(clock.pending(), [25_000 / 4], 'no retry timer left from the old connection (only the silence check)');
});

test('a join refused temporarily is retried with backoff; a final refusal is not', async () => {
  const { client, clock, sockets } = newClient();
  client.connect();
  const { socket } = accept(sockets, 'gw-1');
  const joined = client.join('group/dev');
  const [first] = socket.framesOf('join');
  socket.deliver({ type: 'error', ref: first.ref, code: 'unavailable', message: 'store busy', temporary: true });
  await settled();
  assert.equal(socket.framesOf('join').length, 1, 'not retried before the backoff');
  clock.advance(clock.pending().at(-1));
  await settled();
  const [, second] = socket.framesOf('join');
  assert.equal(second.channel, 'group/dev');
  socket.deliver({ type: 'joined', ref: second.ref, channel: 'group/dev', position: 'e.0-0' });
  assert.equal((await joined).position, 'e.0-0');

  const refused = client.join('group/secret');
  const third = socket.framesOf('join').at(-1);
  socket.deliver({ type: 'error', ref: third.ref, code: 'forbidden', message: 'no', temporary: false });
  await assert.rejects(refused, e => e.code === 'forbidden');
  assert.equal(socket.framesOf('join').length, 3);
});

test('member batches are asked for at connect and fire one member event per entry', () => {
  const { client, sockets } = newClient();
  client.connect();
  const { socket, connect } = accept(sockets, 'gw-1');
  assert.deepEqual(connect.features, ['member_batches']);
  const events = [];
  client.on('member', m => events.push(`${m.channel} ${m.user} ${m.event}`));
  socket.deliver({ type: 'members', channel: 'group/dev', events: [{ user: 'bob', event: 'joined' },
    { user: 'carol', event: 'offline' }] });
  socket.deliver({ type: 'member', channel: 'group/dev', user: 'dave', event: 'online' });
  assert.deepEqual(events, ['group/dev bob joined', 'group/dev carol offline', 'group/dev dave online']);
  const plain = newClient({ memberBatches: false });
  plain.client.connect();
  assert.equal(accept(plain.sockets, 'gw-1').connect.features, undefined);
});

test('seq continues across page reloads on the same device (a stored counter)', () => {
  const storage = memoryStorage();
  const before = newClient({ storage }).client;
  before.send('group/dev', 'a');
  before.send('group/dev', 'b');
  const after = newClient({ storage });
  after.client.connect();
  accept(after.sockets, 'gw-1');
  after.client.send('group/dev', 'c');
  assert.deepEqual(after.sockets[0].framesOf('send').map(f => f.seq), [3],
      'starting again at 1 would be acked as a repeat of an old message and never delivered');
});

// ---- dedupe ----------------------------------------------------------------------------------------

test('a message id seen before is dropped, per channel', () => {
  const { client, sockets } = newClient();
  const seen = [];
  client.on('message', m => seen.push(`${m.channel}:${m.id}`));
  client.connect();
  const { socket } = accept(sockets, 'gw-1');
  socket.deliver(message('group/dev', 'm1', 'e.1-0'));
  socket.deliver(message('group/dev', 'm2', 'e.2-0'));
  socket.deliver(message('group/dev', 'm1', 'e.1-0'));
  socket.deliver(message('user/alice', 'm2', 'u.1-0'));   // a DM's copy in another channel
  assert.deepEqual(seen, ['group/dev:m1', 'group/dev:m2', 'user/alice:m2']);
  assert.equal(client.duplicates, 1);
});

// ---- resume ----------------------------------------------------------------------------------------

test('a reconnect resumes every channel from the last position received', () => {
  const { client, clock, sockets } = newClient();
  const connected = [];
  client.on('connected', c => connected.push(c));
  client.connect();
  const first = accept(sockets, 'gw-1');
  assert.equal(first.connect.resume, undefined, 'nothing to resume on a first connect');
  first.socket.deliver({ type: 'joined', ref: 1, channel: 'group/dev', position: 'e.7-0' });
  first.socket.deliver(message('group/dev', 'm8', 'e.8-0'));
  first.socket.deliver(message('group/dev', 'm9', 'e.9-0'));
  first.socket.deliver(message('user/alice', 'd1', 'u.3-0'));
  first.socket.drop(1001);
  clock.advance(clock.pending().at(-1));

  const second = accept(sockets, 'gw-2', { 'group/dev': true, 'user/alice': false });
  assert.deepEqual(second.connect.resume, { 'group/dev': 'e.9-0', 'user/alice': 'u.3-0' });
  assert.deepEqual(connected.at(-1).unrecovered, ['user/alice']);
  assert.equal(connected.at(-1).resumed, true);
  assert.equal(connected.at(-1).node, 'gw-2');
  assert.deepEqual(client.positions, { 'group/dev': 'e.9-0' }, 'an unrecoverable position is forgotten');
});

test('a recovery notice forgets the channel\'s position and says so, as recovered:false would', () => {
  const { client, sockets } = newClient();
  const notices = [];
  client.on('unrecovered', n => notices.push(n.channel));
  client.connect();
  const { socket } = accept(sockets, 'gw-1');
  socket.deliver({ type: 'joined', ref: 1, channel: 'group/dev', position: 'e.7-0' });
  socket.deliver(message('group/dev', 'm8', 'e.8-0'));
  socket.deliver({ type: 'recovery', channel: 'group/dev', recovered: false });
  assert.deepEqual(notices, ['group/dev']);
  assert.deepEqual(client.positions, {});
  socket.deliver(message('group/dev', 'n1', 'f.1-0'));
  assert.deepEqual(client.positions, { 'group/dev': 'f.1-0' }, 'the next message sets a new one');
});

test('a DM\'s ack adds no position: it names the recipient\'s channel, which cannot be resumed', () => {
  const { client, clock, sockets } = newClient();
  client.connect();
  const { socket } = accept(sockets, 'gw-1');
  client.send('user/bob', 'hi bob');
  socket.deliver({ type: 'ack', seq: 1, channel: 'user/bob', id: 'd1', position: 'b.4-0' });
  socket.deliver({ ...message('user/alice', 'd1', 'a.9-0'), from: 'alice', to: 'user/bob' });
  socket.drop(1006);
  clock.advance(clock.pending().at(-1));
  assert.deepEqual(accept(sockets, 'gw-2').connect.resume, { 'user/alice': 'a.9-0' });
});

test('positions survive a page reload, but not a change of user on the device', () => {
  const storage = memoryStorage();
  const first = newClient({ storage });
  first.client.connect();
  accept(first.sockets, 'gw-1').socket.deliver(message('group/dev', 'm1', 'e.1-0'));

  const reloaded = newClient({ storage });
  reloaded.client.connect();
  assert.deepEqual(accept(reloaded.sockets, 'gw-1').connect.resume, { 'group/dev': 'e.1-0' });

  const other = newClient({ storage, user: 'bob' });
  other.client.connect();
  const socket = other.sockets[0];
  socket.open();
  socket.deliver({ ...connectedFrame('gw-1'), user: 'bob' });
  assert.deepEqual(other.client.positions, {});
});

test('calls in flight fail when the connection drops; replies match their ref', async () => {
  const { client, sockets } = newClient();
  client.connect();
  const { socket } = accept(sockets, 'gw-1');
  const history = client.history('group/dev', { limit: 20, before: 'e.5-0' });
  const presence = client.presence('group/dev');
  const [h, p] = socket.sent.filter(f => f.type === 'history' || f.type === 'presence');
  assert.deepEqual({ ...h, ref: 0 }, { type: 'history', channel: 'group/dev', limit: 20, before: 'e.5-0', ref: 0 });
  socket.deliver({ type: 'history', ref: h.ref, channel: 'group/dev', messages: [], more: false });
  assert.equal((await history).more, false);
  socket.drop(1006);
  await assert.rejects(presence, e => e.code === 'disconnected' && e.temporary);
  await assert.rejects(client.join('group/x'), e => e.code === 'disconnected');
  assert.equal(p.type, 'presence');
});

// ---- 1.1: closed groups, token lifetime ------------------------------------------------------------

test('4503 (a backend the node needs is away) reconnects with backoff', () => {
  assert.deepEqual(reconnectPlan(4503, 'hook unavailable', 2, {}, () => 0.5), { reconnect: true, delayMs: 1000 });
});

test('a join token goes with the join, and a closed group without a grant rejects forbidden', async () => {
  const { client, sockets } = newClient();
  client.connect();
  accept(sockets, 'gw-1');
  const refused = client.join('group/vip');
  const joinFrame = sockets[0].framesOf('join')[0];
  assert.equal(joinFrame.token, undefined);
  sockets[0].deliver({ type: 'error', ref: joinFrame.ref, code: 'forbidden', message: 'group/vip is closed', temporary: false });
  await assert.rejects(refused, e => e instanceof ChatError && e.code === 'forbidden');
  const granted = client.join('group/vip', { token: 'join-jwt' });
  const withToken = sockets[0].framesOf('join')[1];
  assert.equal(withToken.token, 'join-jwt');
  sockets[0].deliver({ type: 'joined', ref: withToken.ref, channel: 'group/vip', position: 'e.1-0' });
  assert.equal((await granted).channel, 'group/vip');
});

test('getToken signs in, refreshes on expiring, and signs in again after the token ended', async () => {
  const tokens = ['t1', 't2', 't3'];
  const { client, clock, sockets } = newClient({ user: undefined, getToken: async () => tokens.shift() });
  const connecting = client.connect();
  sockets[0].open();
  await new Promise(resolve => setImmediate(resolve));
  assert.equal(sockets[0].framesOf('connect')[0].token, 't1');
  sockets[0].deliver({ type: 'connected', session: 's', user: 'alice', node: 'gw-1', heartbeat: 25, channels: [], recovered: {} });
  await connecting;
  const refreshedEvents = [];
  client.on('refreshed', frame => refreshedEvents.push(frame));
  sockets[0].deliver({ type: 'expiring', in: 30 });
  await new Promise(resolve => setImmediate(resolve));
  const refresh = sockets[0].framesOf('refresh')[0];
  assert.equal(refresh.token, 't2');
  sockets[0].deliver({ type: 'refreshed', ref: refresh.ref, expires: 1_800_000_000_000 });
  await new Promise(resolve => setImmediate(resolve));
  assert.equal(refreshedEvents[0].expires, 1_800_000_000_000);
  sockets[0].drop(4001, 'token expired');
  assert.equal(client.state, 'reconnecting', 'with getToken, an ended token is not the end');
  clock.advance(clock.pending().at(-1));
  sockets[1].open();
  await new Promise(resolve => setImmediate(resolve));
  assert.equal(sockets[1].framesOf('connect')[0].token, 't3');
});

test('without getToken an ended token stops the client, as any 4001', () => {
  const { client, sockets } = newClient({ user: undefined, token: 'only' });
  client.connect();
  accept(sockets, 'gw-1');
  sockets[0].drop(4001, 'token expired');
  assert.equal(client.state, 'stopped');
});

test('under hook sign-in connect carries data and no name, and expiring asks the connect hook again', async () => {
  const { client, clock, sockets } = newClient({ user: undefined, hook: true, data: { ticket: 't-1' } });
  const connecting = client.connect();
  sockets[0].open();
  const connect = sockets[0].framesOf('connect')[0];
  assert.deepEqual(connect.data, { ticket: 't-1' });
  assert.equal(connect.user, undefined);
  assert.equal(connect.token, undefined);
  sockets[0].deliver({ type: 'connected', session: 's', user: 'alice', node: 'gw-1', heartbeat: 25, channels: [], recovered: {} });
  await connecting;
  sockets[0].deliver({ type: 'expiring', in: 30 });
  await new Promise(resolve => setImmediate(resolve));
  const refresh = sockets[0].framesOf('refresh')[0];
  assert.deepEqual(refresh.data, { ticket: 't-1' });
  assert.equal(refresh.token, undefined);
  sockets[0].drop(4001, 'token expired');
  assert.equal(client.state, 'reconnecting', 'the hook is asked again on the next connect');
  clock.advance(clock.pending().at(-1));
  assert.equal(sockets.length, 2);
});

test('a client needs a way to sign in', () => {
  assert.throws(() => new ChatClient({ url: 'ws://gateway.test/ws' }), /hook: true/);
});

// ---- chat features (1.1) and silence ---------------------------------------------------------------

test('typing goes out at most once per channel every 2.5 s, and others\' typing is an event', () => {
  const { client, clock, sockets } = newClient();
  const seen = [];
  client.on('typing', t => seen.push(t));
  client.connect();
  const { socket } = accept(sockets, 'gw-1');
  client.typing('group/dev');
  client.typing('group/dev');
  client.typing('user/bob');
  clock.advance(2_499);
  client.typing('group/dev');
  assert.deepEqual(socket.framesOf('typing'), [{ type: 'typing', channel: 'group/dev' }, { type: 'typing', channel: 'user/bob' }]);
  clock.advance(1);
  client.typing('group/dev');
  assert.equal(socket.framesOf('typing').length, 3);
  socket.deliver({ type: 'typing', channel: 'user/bob', user: 'bob' });
  assert.deepEqual(seen, [{ type: 'typing', channel: 'user/bob', user: 'bob' }]);
});

test('a typing frame delayed on the way does not get the next one dropped by the gateway', () => {
  const { client, clock, sockets } = newClient();
  client.connect();
  const { socket } = accept(sockets, 'gw-1');
  // The gateway forwards a session's typing frames for one channel at most once every 2 s, timed by arrival
  // (PROTOCOL 6b). The user types a keystroke every 100 ms for 10 s; every other frame is 400 ms on the way, the
  // rest arrive at once.
  const forwardedAt = [];
  let sent = 0;
  for (let keystroke = 0; keystroke < 100; keystroke++) {
    client.typing('group/dev');
    if (socket.framesOf('typing').length > sent) {
      const arrival = clock.now + (sent % 2 === 0 ? 400 : 0);
      sent++;
      if (forwardedAt.length === 0 || arrival - forwardedAt.at(-1) >= 2_000) {
        forwardedAt.push(arrival);
      }
    }
    clock.advance(100);
  }
  assert.equal(forwardedAt.length, sent, 'every frame the client sent was one the gateway forwards');
  assert.equal(sent, 4, 'one frame every 2.5 s of typing');
});

test('read resolves with the stored marker and clears the count; others\' reads and unread are events', async () => {
  const { client, sockets } = newClient();
  const reads = [];
  const unread = [];
  client.on('read', r => reads.push(r));
  client.on('unread', u => unread.push(u));
  client.connect();
  const socket = sockets.at(-1);
  socket.open();
  socket.deliver({ ...connectedFrame(), unread: { 'group/dev': 4, 'user/bob': 1 } });
  assert.deepEqual(unread, [{ 'group/dev': 4, 'user/bob': 1 }]);
  const answer = client.read('group/dev', 'e.9-0');
  const sent = socket.framesOf('read')[0];
  assert.deepEqual({ ...sent, ref: undefined }, { type: 'read', channel: 'group/dev', position: 'e.9-0', ref: undefined });
  socket.deliver({ type: 'read', ref: sent.ref, channel: 'group/dev', position: 'e.9-0', id: 'm9' });
  assert.equal((await answer).id, 'm9');
  assert.deepEqual(client.unread, { 'group/dev': 0, 'user/bob': 1 });
  assert.deepEqual(reads, [], 'an answer is not an event');
  socket.deliver({ type: 'read', channel: 'user/bob', user: 'bob', position: 'u.3-0', id: 'd1' });
  assert.deepEqual(reads, [{ type: 'read', channel: 'user/bob', user: 'bob', position: 'u.3-0', id: 'd1' }]);
  const refused = client.read('broadcast', 'e.1-0');
  socket.deliver({ type: 'error', ref: socket.framesOf('read')[1].ref, code: 'forbidden', message: 'no', temporary: false });
  await assert.rejects(refused, e => e.code === 'forbidden');
});

test('a ping after one heartbeat of silence; after two the connection is replaced, with resume', () => {
  const { client, clock, sockets, states } = newClient();
  client.connect();
  const { socket } = accept(sockets, 'gw-1');
  socket.deliver(message('group/dev', 'm1', 'e.1-0'));
  clock.advance(24_000);
  assert.equal(socket.framesOf('ping').length, 0, 'not yet: less than a heartbeat (25 s) of silence');
  socket.deliver({ type: 'pong' });   // any frame counts
  clock.advance(25_000);
  assert.equal(socket.framesOf('ping').length, 1, 'one heartbeat of silence: a ping');
  clock.advance(18_750);
  assert.equal(socket.framesOf('ping').length, 1, 'one ping per silence');
  assert.equal(socket.closedWith, undefined, 'two heartbeats have not passed');
  clock.advance(6_250);
  assert.deepEqual(socket.closedWith, { code: 4000, reason: 'silent' });
  assert.equal(states.at(-1).state, 'reconnecting');
  clock.advance(clock.pending().at(-1));
  const next = accept(sockets, 'gw-2');
  assert.deepEqual(next.connect.resume, { 'group/dev': 'e.1-0' }, 'the new connection resumes');
});

test('a connection that answers the ping stays', () => {
  const { client, clock, sockets } = newClient();
  client.connect();
  const { socket } = accept(sockets, 'gw-1');
  for (let i = 0; i < 8; i++) {
    clock.advance(6_250);
    if (socket.framesOf('ping').length > i / 8) {
      socket.deliver({ type: 'pong' });
    }
  }
  assert.equal(socket.closedWith, undefined);
  assert.equal(sockets.length, 1);
});

test('edit and delete are sends carrying replaces or deletes; others\' versions are events, not messages', async () => {
  const { client, sockets } = newClient();
  const events = [];
  for (const name of ['message', 'edit', 'delete']) {
    client.on(name, e => events.push([name, e.id]));
  }
  client.connect();
  const { socket } = accept(sockets, 'gw-1');
  const edited = client.edit('group/dev', 'm1', 'fixed');
  const deleted = client.delete('group/dev', 'm2');
  assert.deepEqual(socket.framesOf('send').map(({ seq, ...f }) => f), [
    { type: 'send', channel: 'group/dev', body: 'fixed', replaces: 'm1' },
    { type: 'send', channel: 'group/dev', deletes: 'm2' }]);
  const [first, second] = socket.framesOf('send');
  socket.deliver({ type: 'ack', seq: first.seq, channel: 'group/dev', id: 'm3', position: 'e.3-0' });
  socket.deliver({ type: 'ack', seq: second.seq, channel: 'group/dev', id: 'm4', position: 'e.4-0' });
  assert.equal((await edited).id, 'm3');
  assert.equal((await deleted).id, 'm4');
  socket.deliver(message('group/dev', 'm5', 'e.5-0', 'new'));
  socket.deliver({ ...message('group/dev', 'm6', 'e.6-0', 'newer'), replaces: 'm5' });
  const { body, ...deletion } = { ...message('group/dev', 'm7', 'e.7-0'), deletes: 'm5' };
  socket.deliver(deletion);
  assert.deepEqual(events, [['message', 'm5'], ['edit', 'm5'], ['delete', 'm5']]);
});

test('applyVersions folds a page into one message per first version, latest body, edited or deleted', () => {
  const page = [
    message('group/dev', 'a', 'e.1-0', 'helo'),
    message('group/dev', 'b', 'e.2-0', 'oops'),
    { ...message('group/dev', 'c', 'e.3-0', 'hello'), replaces: 'a' },
    { type: 'message', channel: 'group/dev', id: 'd', position: 'e.4-0', from: 'bob', to: 'group/dev', ts: 1, deletes: 'b' },
  ];
  const shown = applyVersions(page);
  assert.deepEqual(shown.map(m => [m.id, m.body, m.edited, m.deleted]),
      [['a', 'hello', true, false], ['b', undefined, false, true]]);
  const erased = [{ type: 'message', channel: 'group/dev', id: 'a', position: 'e.1-0', from: 'bob', ts: 1, deleted: true }];
  assert.deepEqual(applyVersions(erased).map(m => m.deleted), [true]);
});

test('a resent backlog is written within the rate the node states, in seq order', () => {
  const { client, clock, sockets } = newClient();
  client.connect();
  accept(sockets, 'gw-1');
  sockets.at(-1).drop(1006);
  for (let i = 0; i < 10; i++) {
    client.send('group/dev', `m${i}`);
  }
  clock.advance(clock.pending().at(-1));
  const socket = sockets.at(-1);
  socket.open();
  socket.deliver({ ...connectedFrame('gw-2'), rate: { perSecond: 10, burst: 5 } });
  assert.deepEqual(socket.framesOf('send').map(f => f.body), ['m0', 'm1', 'm2', 'm3'], 'a burst of 80 % of 5');
  clock.advance(125);
  assert.equal(socket.framesOf('send').length, 5, 'then 8 a second');
  for (let step = 0; step < 8; step++) {
    clock.advance(125);
  }
  assert.deepEqual(socket.framesOf('send').map(f => f.body), Array.from({ length: 10 }, (_, i) => `m${i}`));
});
