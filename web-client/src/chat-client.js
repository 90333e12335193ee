// Protocol v1 client for browsers (and anything with a WebSocket). An ES module with no dependencies,
// served by every gateway node at /chat-client.js. The contract it speaks: docs/PROTOCOL.md.
//
//   import { ChatClient } from '/chat-client.js';
//   const chat = new ChatClient({ url: 'wss://chat.example.com/ws', token });
//   chat.on('message', m => show(m));
//   await chat.connect();
//   await chat.join('group/dev');
//   await chat.send('group/dev', 'hello');   // resolves with the ack once the message is stored
//
// What it guarantees its user: every send is numbered (device + seq) and kept until acknowledged, and
// sent again after a reconnect (the gateway acknowledges a repeat without delivering it twice); the last
// position of every channel is kept and handed back on reconnect, so missed messages are replayed or the
// 'connected' event names the channels that could not be recovered; repeated message ids are dropped, so
// 'message' fires once per message. Reconnects use exponential backoff with full jitter and follow the
// close codes table: no reconnect after 1000, 1002, 1007, 1009, 4001 or 4003. A connection that brings
// nothing for two heartbeats is taken for dead and replaced (with resume); after one heartbeat of silence the
// client sends a ping, since a browser cannot see the gateway's WebSocket pings.
//
// Chat features (1.1): typing(channel) tells the others (at most one frame per channel every 2.5 s: the
// gateway forwards one per 2 s, and the half second between is room for a frame delayed on the way), read(channel, position) moves the user's read marker; 'typing' and 'read' events come
// from others (and 'read' from the user's other sessions), and 'unread' ({channel: count}) after each connect.
// edit(channel, id, body) and delete(channel, id) change the user's own messages (sends in every way); others'
// changes arrive as 'edit' and 'delete' events, and applyVersions(messages) folds a history page into what a
// reader sees.

/** Close codes after which reconnecting cannot help (the client or its credentials must change). */
const FINAL_CLOSE_CODES = new Set([1000, 1002, 1007, 1009, 4001, 4003]);
const SEEN_IDS = 10_000;
const JOIN_ATTEMPTS = 6;
/** The share of the node's stated rate (connected.rate) sends may take: the rest is for what else the client says. */
const RATE_SHARE = 0.8;
/**
 * The gateway forwards one typing frame per session and channel every 2 s, timed by when frames arrive. The client
 * sends one every 2.5 s at most: were it to send every 2 s, a frame delayed on the way (a busy network or machine)
 * would bring the next one to the gateway too soon, and the next would be dropped; the others would see nothing until
 * the one after, if the user is still typing.
 */
export const TYPING_EVERY_MS = 2_500;

/**
 * What to do after the socket closed with {@code code} and {@code reason}: stop, or reconnect after a
 * delay. {@code attempt} counts the reconnects since the last successful connect (0 for the first).
 * Returns {reconnect: false} or {reconnect: true, delayMs}.
 */
export function reconnectPlan(code, reason, attempt, backoff = {}, random = Math.random) {
  if (FINAL_CLOSE_CODES.has(code)) {
    return { reconnect: false };
  }
  if (code === 4100) {
    // Draining: every client of the node leaves at once, so spread them over a short window.
    return { reconnect: true, delayMs: Math.floor(random() * (backoff.drainJitterMs ?? 1000)) };
  }
  if (code === 4029) {
    const retryAfter = /retry-after=(\d+)/.exec(reason ?? '');
    if (retryAfter) {
      return { reconnect: true, delayMs: Number(retryAfter[1]) * 1000 + Math.floor(random() * 1000) };
    }
  }
  return { reconnect: true, delayMs: backoffDelay(attempt, backoff, random) };
}

/** Full-jitter exponential backoff: a uniform delay in [0, min(max, initial * 2^attempt)). */
export function backoffDelay(attempt, { initialMs = 500, maxMs = 20_000 } = {}, random = Math.random) {
  const cap = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * cap);
}

/**
 * Messages as a reader sees them (1.1): a history page holds every version (the first, its edits, its deletion); this
 * gives one message per first version, in their order, with the latest body and {edited, deleted} set.
 */
export function applyVersions(messages) {
  const shown = new Map();
  for (const m of messages) {
    const target = m.replaces ?? m.deletes;
    if (target === undefined) {
      shown.set(m.id, { ...m, edited: false, deleted: m.deleted === true });
      continue;
    }
    const before = shown.get(target);
    if (!before || before.deleted) {
      continue;
    }
    if (m.deletes !== undefined || m.deleted) {
      const { body, ...rest } = before;
      shown.set(target, { ...rest, deleted: true });
    } else {
      shown.set(target, { ...before, body: m.body, edited: true });
    }
  }
  return [...shown.values()];
}

/** An error frame from the gateway (or a local failure such as 'disconnected'), as an Error. */
export class ChatError extends Error {
  constructor(code, message, temporary = false) {
    super(message);
    this.name = 'ChatError';
    this.code = code;
    this.temporary = temporary;
  }
}

/**
 * One user's connection to the gateway, kept alive across node failures.
 *
 * Options: url (ws:// or wss:// of /ws), token (JWT) or user (dev auth), getToken (an async function giving a
 * fresh token: asked before each connect and when the gateway says 'expiring', so a session outlives its
 * tokens; a session closed with 4001 'token expired' then signs in again), hook (true under hook sign-in: the
 * application's connect hook signs the session in, from the page's cookie and data), data (any JSON, at most
 * 4 KiB: sent in connect for the connect hook, and in the refresh when the gateway says 'expiring' under hook
 * sign-in), device (default: a random id),
 * storage ({getItem, setItem, removeItem}, e.g. sessionStorage: keeps seq and positions across page
 * reloads), backoff ({initialMs, maxMs, drainJitterMs}), connectTimeoutMs, requestTimeoutMs, memberBatches
 * (default true: member events arrive batched per group and interval, and fire 'member' one by one), and for tests
 * WebSocket, random, setTimeout, clearTimeout, now.
 *
 * Events (on/off): 'state' {state, attempt, delayMs, code, reason} where state is connecting, connected,
 * reconnecting or stopped; 'connected' {frame, node, resumed, unrecovered}; 'message' (a message frame,
 * once per id); 'member' (a member frame); 'unrecovered' {channel} (live delivery of a connected session
 * had a gap the server could not fill from history: the same notice as a false recovered[channel] in
 * 'connected'); 'error' (a ChatError not tied to a pending call); 'ack' (an ack frame, with the body
 * sent); 'expiring' {in} (the token ends in that many seconds; with getToken the client refreshes by itself,
 * else call refresh(token)); 'refreshed' (a refreshed frame); 'typing' {channel, user} (someone is typing: show it for
 * about 5 s; in a direct conversation channel is user/{typer}); 'read' {channel, user, position, id} (a read marker
 * moved: the user's own other session, or a receipt: in a direct conversation channel is user/{reader}, matched to
 * the message by id); 'unread' {channel: count} (after each connect: messages from others after each read marker);
 * 'frame' (every frame received, repeats included).
 * Joins of a closed group without a grant reject with ChatError 'forbidden'; join(channel, {token}) carries a
 * join token. A close with 4503 (a backend the node needs is away) reconnects with backoff.
 */
export class ChatClient {
  constructor(options) {
    if (!options?.url) {
      throw new TypeError('ChatClient: the url option is required (ws://host:port/ws)');
    }
    if (!options.token && !options.user && !options.getToken && !options.hook) {
      throw new TypeError('ChatClient: give a token or getToken (JWT mode), a user (dev mode), or hook: true (hook mode)');
    }
    this.options = options;
    this.device = options.device ?? `web-${Math.random().toString(36).slice(2, 10)}`;
    this.backoff = options.backoff ?? {};
    this.random = options.random ?? Math.random;
    this.setTimer = options.setTimeout ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimeout ?? (id => clearTimeout(id));
    this.WebSocketImpl = options.WebSocket ?? globalThis.WebSocket;
    this.now = options.now ?? (() => Date.now());
    this.storage = options.storage ?? null;
    this.storageKey = `chat-client:${this.device}`;

    this.state = 'idle';
    this.user = null;
    this.node = null;
    this.socket = null;
    this.attempt = 0;
    this.everConnected = false;
    this.reconnectTimer = null;
    this.connectTimer = null;
    this.connectWaiters = [];
    this.handlers = new Map();

    this.positions = {};
    this.lastSeq = 0;
    this.unacked = new Map();   // seq -> {seq, channel, body, resolve, reject, written}, in seq order
    this.held = new Map();      // channel -> {timer, retries}: held back after a temporary refusal
    this.requests = new Map();  // ref -> {resolve, reject, timer}
    this.nextRef = 0;
    this.seen = new Map();
    this.duplicates = 0;
    this.typingSent = new Map();   // channel -> when a typing frame last went out
    this.unread = {};
    this.silenceTimer = null;
    this.paced = [];          // sends due to be written once the node's rate allows, in order
    this.pace = null;         // {perMs, most, tokens, at} from connected.rate
    this.paceTimer = null;
    this.lastFrameAt = 0;
    this.pinged = false;
    this.restore();
  }

  // ---- events ---------------------------------------------------------------------------------

  on(event, handler) {
    if (!this.handlers.has(event)) {
      this.handlers.set(event, new Set());
    }
    this.handlers.get(event).add(handler);
    return () => this.off(event, handler);
  }

  off(event, handler) {
    this.handlers.get(event)?.delete(handler);
  }

  emit(event, value) {
    for (const handler of this.handlers.get(event) ?? []) {
      try {
        handler(value);
      } catch (e) {
        console.error(`ChatClient: a '${event}' handler threw`, e);
      }
    }
  }

  // ---- connection -----------------------------------------------------------------------------

  /** Connects (and keeps reconnecting until close()); resolves with the first 'connected' frame. */
  connect() {
    const connected = new Promise((resolve, reject) => this.connectWaiters.push({ resolve, reject }));
    if (this.state === 'idle' || this.state === 'stopped') {
      this.attempt = 0;
      this.open();
    }
    return connected;
  }

  /** Closes for good (code 1000): no reconnect, pending calls fail, unacked sends stay for a later connect(). */
  close() {
    this.cancelTimers();
    const socket = this.socket;
    this.socket = null;
    this.failRequests(new ChatError('closed', 'the client was closed'));
    this.setState('stopped', {});
    this.settleConnect(null, new ChatError('closed', 'the client was closed'));
    if (socket && socket.readyState <= 1) {
      socket.close(1000, 'bye');
    }
  }

  open() {
    this.cancelTimers();
    this.setState(this.everConnected ? 'reconnecting' : 'connecting', { attempt: this.attempt });
    let socket;
    try {
      socket = new this.WebSocketImpl(this.options.url);
    } catch (e) {
      this.stop(new ChatError('bad_request', `cannot open ${this.options.url}: ${e.message}`));
      return;
    }
    this.socket = socket;
    socket.onopen = () => this.opened(socket);
    socket.onmessage = event => this.received(socket, event.data);
    socket.onclose = event => this.closed(socket, event.code, event.reason);
    socket.onerror = () => { };   // a close event follows, with the code that matters
    this.connectTimer = this.setTimer(() => {
      if (this.socket === socket && this.state !== 'connected') {
        socket.close(4000, 'connect timeout');
        this.closed(socket, 1006, 'no connected frame in time');
      }
    }, this.options.connectTimeoutMs ?? 15_000);
  }

  opened(socket) {
    if (socket !== this.socket) {
      return;
    }
    if (!this.options.getToken) {
      this.signIn(socket, this.options.token);
      return;
    }
    Promise.resolve().then(() => this.options.getToken()).then(token => this.signIn(socket, token), error => {
      if (socket === this.socket) {
        this.emit('error', new ChatError('unauthorized', `getToken failed: ${error?.message ?? error}`, true));
        socket.close(4000, 'no token');
        this.closed(socket, 1006, 'no token');
      }
    });
  }

  signIn(socket, token) {
    if (socket !== this.socket) {
      return;
    }
    const frame = { type: 'connect', device: this.device };
    if (this.options.memberBatches !== false) {
      frame.features = ['member_batches'];   // one 'members' frame per group per interval, not one per event
    }
    if (token) {
      frame.token = token;
    } else if (this.options.user) {
      frame.user = this.options.user;
    }
    if (this.options.data !== undefined) {
      frame.data = this.options.data;
    }
    if (Object.keys(this.positions).length > 0) {
      frame.resume = { ...this.positions };
    }
    this.write(frame);
  }

  closed(socket, code, reason) {
    if (socket !== this.socket) {
      return;
    }
    this.socket = null;
    this.clearTimer(this.connectTimer);
    this.clearTimer(this.silenceTimer);
    this.failRequests(new ChatError('disconnected', `connection closed (${code})`, true));
    this.releaseAll();
    // a session that outlived its token signs in again with a fresh one, when it can get one
    const plan = code === 4001 && reason === 'token expired' && (this.options.getToken || this.options.hook)
      ? { reconnect: true, delayMs: backoffDelay(this.attempt, this.backoff, this.random) }
      : reconnectPlan(code, reason, this.attempt, this.backoff, this.random);
    if (!plan.reconnect) {
      this.stop(new ChatError(closeCodeName(code), reason || `closed with ${code}`), code, reason);
      return;
    }
    this.attempt++;
    this.setState('reconnecting', { attempt: this.attempt, delayMs: plan.delayMs, code, reason });
    this.reconnectTimer = this.setTimer(() => this.open(), plan.delayMs);
  }

  stop(error, code, reason) {
    this.cancelTimers();
    this.setState('stopped', { code, reason, error });
    this.settleConnect(null, error);
  }

  // ---- calls ----------------------------------------------------------------------------------

  /**
   * Sends {@code body} to {@code channel}; resolves with the ack (the message is stored) or rejects with
   * a ChatError the gateway gave. While disconnected the send waits and goes out after the reconnect.
   */
  send(channel, body) {
    return this.sendVersion(channel, { body });
  }

  /** A new version of the user's own message {@code id} (its first version's id); resolves with the ack. */
  edit(channel, id, body) {
    return this.sendVersion(channel, { body, replaces: id });
  }

  /** Deletes the user's own message {@code id}: every version's body is erased; resolves with the ack. */
  delete(channel, id) {
    return this.sendVersion(channel, { deletes: id });
  }

  sendVersion(channel, { body, replaces, deletes }) {
    const seq = ++this.lastSeq;
    this.persist();
    return new Promise((resolve, reject) => {
      this.unacked.set(seq, { seq, channel, body, replaces, deletes, resolve, reject, written: false });
      this.flush(channel);
    });
  }

  /**
   * Joins a group; resolves with the joined frame. A temporary refusal (the cluster's store busy or down,
   * rate limited) is retried with backoff, up to JOIN_ATTEMPTS attempts while connected.
   */
  async join(channel, { token } = {}) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.request(token ? { type: 'join', channel, token } : { type: 'join', channel });
      } catch (error) {
        if (!(error instanceof ChatError) || !error.temporary || error.code === 'disconnected'
            || attempt + 1 >= JOIN_ATTEMPTS || this.state !== 'connected') {
          throw error;
        }
        await new Promise(resolve => this.setTimer(resolve, backoffDelay(attempt, this.backoff, this.random)));
      }
    }
  }

  leave(channel) {
    return this.request({ type: 'leave', channel });
  }

  /** One page of history, newest last; {@code before} is a position (from an earlier page's first message). */
  history(channel, { limit = 50, before } = {}) {
    const frame = { type: 'history', channel, limit };
    if (before) {
      frame.before = before;
    }
    return this.request(frame);
  }

  presence(channel) {
    return this.request({ type: 'presence', channel });
  }

  /**
   * Tells the others that the user is typing in {@code channel} (a group, or user/{other}); call it on every
   * keystroke: at most one frame per channel every 2.5 s goes out (TYPING_EVERY_MS). Nothing answers it.
   */
  typing(channel) {
    const now = this.now();
    const last = this.typingSent.get(channel);
    if (this.state !== 'connected' || (last !== undefined && now - last < TYPING_EVERY_MS)) {
      return;
    }
    this.typingSent.set(channel, now);
    if (this.typingSent.size > 64) {
      this.typingSent.delete(this.typingSent.keys().next().value);
    }
    this.write({ type: 'typing', channel });
  }

  /**
   * Moves the user's read marker in {@code channel} (a group, or user/{other} for a direct conversation) to
   * {@code position}, a message's position as this client received it; resolves with {channel, position, id}: the
   * marker as stored (a later one stays). Clears the channel's unread count.
   */
  async read(channel, position) {
    const answer = await this.request({ type: 'read', channel, position });
    if (channel in this.unread) {
      this.unread = { ...this.unread, [channel]: 0 };
    }
    return answer;
  }

  /** Gives the session a new token before its token ends; resolves with the refreshed frame ({expires}). */
  refresh(token) {
    return this.request({ type: 'refresh', token });
  }

  /** Under hook sign-in: asks the application's connect hook again, with data; resolves with the refreshed frame. */
  refreshWith(data) {
    return this.request({ type: 'refresh', data: data ?? {} });
  }

  /**
   * 'expiring': with getToken, a fresh token goes to the gateway at once; under hook sign-in, the connect hook is
   * asked again (with the data option); a failure is an 'error' event.
   */
  async onExpiring(frame) {
    this.emit('expiring', { in: frame.in });
    if (!this.options.getToken && !this.options.hook) {
      return;
    }
    try {
      this.emit('refreshed', this.options.getToken ? await this.refresh(await this.options.getToken())
        : await this.refreshWith(this.options.data));
    } catch (error) {
      this.emit('error', error instanceof ChatError ? error : new ChatError('unauthorized', `refresh failed: ${error?.message ?? error}`));
    }
  }

  /** Sends a request frame with a fresh ref; resolves with the reply that echoes it. */
  request(frame) {
    if (this.state !== 'connected') {
      return Promise.reject(new ChatError('disconnected', 'not connected', true));
    }
    const ref = ++this.nextRef;
    return new Promise((resolve, reject) => {
      const timer = this.setTimer(() => {
        this.requests.delete(ref);
        reject(new ChatError('timeout', `no answer to ${frame.type}`, true));
      }, this.options.requestTimeoutMs ?? 10_000);
      this.requests.set(ref, { resolve, reject, timer });
      this.write({ ...frame, ref });
    });
  }

  /** Sends that are not acknowledged yet, oldest first. */
  pendingSends() {
    return [...this.unacked.values()].map(({ seq, channel, body }) => ({ seq, channel, body }));
  }

  // ---- frames ---------------------------------------------------------------------------------

  received(socket, data) {
    if (socket !== this.socket) {
      return;
    }
    let frame;
    try {
      frame = JSON.parse(data);
    } catch (e) {
      this.emit('error', new ChatError('bad_frame', `the gateway sent a frame that is not JSON: ${e.message}`));
      return;
    }
    this.emit('frame', frame);
    this.lastFrameAt = this.now();
    this.pinged = false;
    switch (frame.type) {
      case 'connected': return this.onConnected(frame);
      case 'message': return this.onMessage(frame);
      case 'ack': return this.onAck(frame);
      case 'error': return this.onError(frame);
      case 'member': return this.emit('member', frame);
      case 'typing': return this.emit('typing', frame);
      case 'read':
        if (frame.ref != null) {
          return this.settleRequest(frame);
        }
        return this.emit('read', frame);
      case 'expiring': return this.onExpiring(frame);
      case 'members':
        for (const { user, event } of frame.events ?? []) {
          this.emit('member', { type: 'member', channel: frame.channel, user, event });
        }
        return undefined;
      case 'joined':
        if (!(frame.channel in this.positions) && frame.position) {
          this.positions[frame.channel] = frame.position;
          this.persist();
        }
        return this.settleRequest(frame);
      case 'left':
        delete this.positions[frame.channel];
        this.persist();
        return this.settleRequest(frame);
      case 'recovery':
        // The server could not fill a gap in live delivery from history (it lost its cluster link and
        // the history went away meanwhile): as recovered:false in 'connected', the position is meaningless.
        if (frame.recovered === false) {
          delete this.positions[frame.channel];
          this.persist();
          this.emit('unrecovered', { channel: frame.channel });
        }
        return undefined;
      default:
        return this.settleRequest(frame);
    }
  }

  onConnected(frame) {
    this.clearTimer(this.connectTimer);
    const resumed = this.everConnected || Object.keys(frame.recovered ?? {}).length > 0;
    this.everConnected = true;
    this.attempt = 0;
    this.user = frame.user;
    this.node = frame.node;
    if (this.storedUser !== frame.user) {
      // Positions belong to a user; a different user on this device starts afresh.
      this.positions = {};
      this.storedUser = frame.user;
    }
    const unrecovered = Object.entries(frame.recovered ?? {}).filter(([, ok]) => !ok).map(([channel]) => channel);
    for (const channel of unrecovered) {
      delete this.positions[channel];   // meaningless now; the next message sets a new one
    }
    this.persist();
    this.heartbeatMs = (frame.heartbeat > 0 ? frame.heartbeat : 25) * 1000;
    // sends (a resent backlog above all) are written within the node's stated rate, not all at once
    this.pace = frame.rate?.perSecond > 0 ? {
      perMs: frame.rate.perSecond * RATE_SHARE / 1000,
      most: Math.max(1, Math.floor((frame.rate.burst ?? 1) * RATE_SHARE)),
      tokens: Math.max(1, Math.floor((frame.rate.burst ?? 1) * RATE_SHARE)),
      at: this.now(),
    } : null;
    this.watchSilence(this.socket);
    this.setState('connected', { node: frame.node });
    this.emit('connected', { frame, node: frame.node, resumed, unrecovered });
    this.unread = { ...(frame.unread ?? {}) };
    this.emit('unread', this.unread);
    this.settleConnect(frame, null);
    for (const pending of this.unacked.values()) {
      this.writeSend(pending);
    }
  }

  onMessage(frame) {
    this.positions[frame.channel] = frame.position;
    this.persist();
    const key = `${frame.id}@${frame.channel}`;
    if (this.seen.has(key)) {
      this.duplicates++;
      return;
    }
    this.seen.set(key, true);
    if (this.seen.size > SEEN_IDS) {
      this.seen.delete(this.seen.keys().next().value);
    }
    if (frame.replaces) {
      this.emit('edit', { channel: frame.channel, id: frame.replaces, body: frame.body, message: frame });
    } else if (frame.deletes) {
      this.emit('delete', { channel: frame.channel, id: frame.deletes, message: frame });
    } else {
      this.emit('message', frame);
    }
  }

  onAck(frame) {
    const pending = this.unacked.get(frame.seq);
    if (!pending) {
      return;
    }
    this.unacked.delete(frame.seq);
    // No position from an ack: it is a position in the channel sent to, which for a DM is the recipient's
    // channel, not one this client receives (resuming it would fail).
    this.emit('ack', { ...frame, body: pending.body });
    pending.resolve(frame);
    this.flush(pending.channel);
  }

  onError(frame) {
    const error = new ChatError(frame.code, frame.message, frame.temporary === true);
    if (frame.seq != null && this.unacked.has(frame.seq)) {
      const pending = this.unacked.get(frame.seq);
      if (error.temporary) {
        // Not stored: the same seq goes again after a delay, and the channel's later sends wait behind it.
        this.emit('error', error);
        pending.written = false;
        this.hold(pending.channel);
        return;
      }
      this.unacked.delete(frame.seq);
      pending.reject(error);
      this.flush(pending.channel);
      return;
    }
    if (frame.ref != null && this.requests.has(frame.ref)) {
      const request = this.requests.get(frame.ref);
      this.requests.delete(frame.ref);
      this.clearTimer(request.timer);
      request.reject(error);
      return;
    }
    this.emit('error', error);
  }

  settleRequest(frame) {
    const request = frame.ref != null ? this.requests.get(frame.ref) : undefined;
    if (request) {
      this.requests.delete(frame.ref);
      this.clearTimer(request.timer);
      request.resolve(frame);
    }
  }

  // ---- send order -----------------------------------------------------------------------------
  //
  // A channel's sends are written at once (pipelined) while nothing of the channel waits for a retry. A
  // temporary refusal holds the channel: nothing more of it is written until the retry delay passed, then
  // one send at a time, each after the ack of the one before, until nothing of it is left unwritten. So a
  // retry is never overtaken by a send made after the refusal. Sends already written when the refusal came
  // may be stored before the refused one (the gateway does not hold a send back behind a failed one).

  /** Writes the channel's unwritten sends in seq order, as its hold allows. */
  flush(channel) {
    if (this.state !== 'connected') {
      return;
    }
    const hold = this.held.get(channel);
    if (hold?.timer != null) {
      return;
    }
    let left = false;
    for (const pending of this.unacked.values()) {
      if (pending.channel !== channel) {
        continue;
      }
      left = true;
      if (hold && pending.written) {
        return;   // one at a time while held: wait for its answer
      }
      if (!pending.written) {
        this.writeSend(pending);
        if (hold) {
          return;
        }
      }
    }
    if (hold && !left) {
      this.held.delete(channel);
    }
  }

  hold(channel) {
    const hold = this.held.get(channel) ?? { timer: null, retries: 0 };
    this.held.set(channel, hold);
    if (hold.timer == null) {
      hold.timer = this.setTimer(() => {
        hold.timer = null;
        this.flush(channel);
      }, backoffDelay(hold.retries++, this.backoff, this.random));
    }
  }

  /** The connection is gone: nothing is in flight or held any more (the reconnect writes every send again). */
  releaseAll() {
    this.paced = [];
    this.clearTimer(this.paceTimer);
    this.paceTimer = null;
    for (const hold of this.held.values()) {
      this.clearTimer(hold.timer);
    }
    this.held.clear();
    for (const pending of this.unacked.values()) {
      pending.written = false;
    }
  }

  writeSend(pending) {
    pending.written = true;
    if (!this.pace) {
      this.writeSendNow(pending);
      return;
    }
    this.paced.push(pending);
    this.drainPaced();
  }

  drainPaced() {
    const pace = this.pace;
    const now = this.now();
    pace.tokens = Math.min(pace.most, pace.tokens + (now - pace.at) * pace.perMs);
    pace.at = now;
    while (this.paced.length > 0 && pace.tokens >= 1) {
      pace.tokens--;
      this.writeSendNow(this.paced.shift());
    }
    if (this.paced.length > 0 && this.paceTimer == null) {
      this.paceTimer = this.setTimer(() => {
        this.paceTimer = null;
        if (this.pace) {
          this.drainPaced();
        }
      }, Math.max(1, Math.ceil((1 - pace.tokens) / pace.perMs)));
    }
  }

  writeSendNow(pending) {
    const frame = { type: 'send', seq: pending.seq, channel: pending.channel };
    if (pending.deletes) {
      frame.deletes = pending.deletes;
    } else {
      frame.body = pending.body;
      if (pending.replaces) {
        frame.replaces = pending.replaces;
      }
    }
    this.write(frame);
  }

  // ---- silence --------------------------------------------------------------------------------

  /**
   * Checks the connection a few times per heartbeat: after one heartbeat without a frame a ping goes out (its pong
   * is a frame); after two the connection is taken for dead, closed, and replaced like any dropped one (resume).
   */
  watchSilence(socket) {
    this.clearTimer(this.silenceTimer);
    this.lastFrameAt = this.now();
    this.pinged = false;
    const check = () => {
      if (socket !== this.socket) {
        return;
      }
      const quiet = this.now() - this.lastFrameAt;
      if (quiet >= 2 * this.heartbeatMs) {
        socket.close(4000, 'silent');
        this.closed(socket, 1006, 'nothing received for two heartbeats');
        return;
      }
      if (quiet >= this.heartbeatMs && !this.pinged) {
        this.pinged = true;
        this.write({ type: 'ping' });
      }
      this.silenceTimer = this.setTimer(check, this.heartbeatMs / 4);
    };
    this.silenceTimer = this.setTimer(check, this.heartbeatMs / 4);
  }

  // ---- internals ------------------------------------------------------------------------------

  write(frame) {
    if (this.socket && this.socket.readyState === 1) {
      this.socket.send(JSON.stringify(frame));
    }
  }

  setState(state, details) {
    this.state = state;
    this.emit('state', { state, ...details });
  }

  settleConnect(frame, error) {
    const waiters = this.connectWaiters;
    this.connectWaiters = [];
    for (const waiter of waiters) {
      if (error) {
        waiter.reject(error);
      } else {
        waiter.resolve(frame);
      }
    }
  }

  failRequests(error) {
    for (const request of this.requests.values()) {
      this.clearTimer(request.timer);
      request.reject(error);
    }
    this.requests.clear();
  }

  cancelTimers() {
    this.clearTimer(this.reconnectTimer);
    this.clearTimer(this.connectTimer);
    this.clearTimer(this.silenceTimer);
    this.reconnectTimer = null;
    this.connectTimer = null;
    this.silenceTimer = null;
  }

  restore() {
    const saved = this.storage?.getItem(this.storageKey);
    if (!saved) {
      return;
    }
    try {
      const { seq, user, positions } = JSON.parse(saved);
      this.lastSeq = Number.isInteger(seq) ? seq : 0;
      this.storedUser = user ?? null;
      this.positions = positions ?? {};
    } catch {
      this.storage.removeItem(this.storageKey);
    }
  }

  persist() {
    this.storage?.setItem(this.storageKey,
        JSON.stringify({ seq: this.lastSeq, user: this.storedUser ?? null, positions: this.positions }));
  }
}

function closeCodeName(code) {
  switch (code) {
    case 1000: return 'closed';
    case 1002: return 'bad_request';
    case 1007: return 'bad_request';
    case 1009: return 'too_large';
    case 4001: return 'unauthorized';
    case 4003: return 'forbidden';
    default: return 'disconnected';
  }
}
