// The chat page: a thin view over ChatClient. Conversations are groups, direct messages with one other
// user (all stored in the signed-in user's own channel, user/{me}) and broadcast. It shows who is typing, ticks on
// my messages (✓ stored, ✓✓ read by the other party or a group member), and unread counts per conversation (from the
// server's read markers at connect, then live); the open conversation is marked read up to its newest message.
// My own messages can be edited (the composer takes the text back) and deleted; a conversation keeps every version
// it received and shows the latest ("edited", "message deleted").
import { ChatClient, applyVersions } from './chat-client.js';

const $ = id => document.getElementById(id);
const session = window.sessionStorage;
const HISTORY_PAGE = 50;
/** How long "… is typing" stays after the last typing frame. */
const TYPING_SHOWN_MS = 5_000;

const ui = {
  config: { auth: 'dev' },
  chat: null,
  me: null,
  mayBroadcast: false,
  view: null,              // 'group/x', 'dm/bob' or 'broadcast'
  channels: new Map(),     // channel -> {messages: [], ids: Set, more: bool, loaded: bool}
  pending: new Map(),      // seq -> {seq, channel, body, id?, failed?}
  groups: new Set(),
  dmPartners: new Set(),
  unread: new Map(),
  typing: new Map(),       // view -> Map(user -> timer)
  readBy: new Map(),       // view -> Map(user -> id of the newest message they read)
  marked: new Map(),       // view -> position of my read marker there (what was last sent)
  editing: null,           // {id, channel} of my message the composer edits, or null
};

init();

async function init() {
  try {
    const response = await fetch('config.json');
    if (response.ok) {
      ui.config = await response.json();
    }
  } catch {
    // Served without the gateway (e.g. from a file): dev sign-in is the default.
  }
  const jwt = ui.config.auth === 'jwt';
  // hook sign-in: the application's connect hook knows the user from the page's cookie; nothing to type
  const hook = ui.config.auth === 'hook';
  $('name-field').hidden = jwt || hook;
  $('name').required = !jwt && !hook;
  $('token-field').hidden = !jwt;
  $('hook-field').hidden = !hook;
  $('signin-form').addEventListener('submit', event => {
    event.preventDefault();
    signIn(hook ? { hook: true } : jwt ? { token: $('token').value.trim() } : { user: $('name').value.trim() });
  });
  $('signout').addEventListener('click', signOut);
  $('notice-close').addEventListener('click', () => {
    $('notices').replaceChildren();
    $('notice').hidden = true;
  });
  $('join-form').addEventListener('submit', event => { event.preventDefault(); joinGroup($('join-name').value.trim()); });
  $('dm-form').addEventListener('submit', event => { event.preventDefault(); openDm($('dm-name').value.trim()); });
  $('open-broadcast').addEventListener('click', () => open('broadcast'));
  $('composer').addEventListener('submit', event => { event.preventDefault(); sendText(); });
  $('text').addEventListener('keydown', event => {
    if (event.key === 'Escape' && ui.editing) {
      $('text').value = '';
      stopEditing();
    }
  });
  $('text').addEventListener('input', () => {
    if (ui.view && ui.view !== 'broadcast' && $('text').value !== '') {
      ui.chat.typing(channelOf(ui.view, true));
    }
  });
  $('older').addEventListener('click', loadOlder);
  $('leave').addEventListener('click', leaveGroup);

  const saved = session.getItem('chat:credentials');
  if (saved) {
    signIn(JSON.parse(saved));
  } else if (hook) {
    signIn({ hook: true });
  }
}

// ---- sign in and out ------------------------------------------------------------------------------

function signIn(credentials) {
  $('signin-error').textContent = '';
  if (!credentials.user && !credentials.token && !credentials.hook) {
    $('signin-error').textContent = ui.config.auth === 'jwt' ? 'Paste a token to sign in.' : 'Enter a name to sign in.';
    return;
  }
  let device = session.getItem('chat:device');
  if (!device) {
    device = `web-${crypto.getRandomValues(new Uint32Array(2)).join('')}`;
    session.setItem('chat:device', device);
  }
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const chat = new ChatClient({ url: `${scheme}://${location.host}/ws`, ...credentials, device, storage: session });
  ui.chat = chat;
  // under hook sign-in the role is the application's to say: the page offers broadcast, the node decides
  ui.mayBroadcast = ui.config.auth !== 'jwt' || tokenRole(credentials.token) === 'admin';
  chat.on('state', showState);
  chat.on('connected', connected);
  chat.on('message', received);
  chat.on('member', member);
  chat.on('typing', typing);
  chat.on('edit', ({ message }) => received(message));
  chat.on('delete', ({ message }) => received(message));
  chat.on('read', readElsewhere);
  chat.on('unread', counts => {
    ui.unread.clear();
    for (const [channel, count] of Object.entries(counts)) {
      if (count > 0) {
        ui.unread.set(viewOfChannel(channel), count);
      }
      if (channel.startsWith('user/')) {
        ui.dmPartners.add(channel.slice(5));
      }
    }
    renderLists();
  });
  chat.on('unrecovered', ({ channel }) => {
    notify(`Some messages could not be recovered in ${label(channel)}: the server lost them while its cluster link was down.`);
    loadNewest(channel, true);
  });
  chat.on('error', error => notify(describe(error)));
  chat.connect().then(() => {
    session.setItem('chat:credentials', JSON.stringify(credentials));
  }, error => {
    if (ui.chat === chat && !ui.me) {
      $('signin-error').textContent = `Could not sign in: ${describe(error)}`;
      chat.close();
      ui.chat = null;
    }
  });
}

function signOut() {
  ui.chat?.close();
  ui.chat = null;
  ui.me = null;
  session.clear();
  location.reload();
}

function tokenRole(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(payload)).role;
  } catch {
    return undefined;
  }
}

// ---- connection ---------------------------------------------------------------------------------

function showState({ state, delayMs, attempt, code, reason, error }) {
  const status = $('status');
  status.dataset.state = state;
  if (state === 'connecting') {
    status.textContent = 'connecting…';
  } else if (state === 'reconnecting') {
    status.textContent = delayMs != null
      ? `reconnecting in ${(delayMs / 1000).toFixed(1)} s (attempt ${attempt})…`
      : `reconnecting (attempt ${attempt})…`;
  } else if (state === 'stopped' && ui.me) {
    status.textContent = `disconnected${code ? ` (${code})` : ''}`;
    notify(`Disconnected: ${error ? describe(error) : reason || 'closed'}. Sign out and in again to reconnect.`);
  }
}

function connected({ frame, node, resumed, unrecovered }) {
  const first = ui.me === null;
  ui.me = frame.user;
  $('signin').hidden = true;
  $('chat').hidden = false;
  $('me').textContent = frame.user;
  $('status').textContent = `connected to ${node}${resumed ? ' · resumed' : ''}`;
  $('status').dataset.node = node;
  ui.groups = new Set(frame.channels.filter(c => c.startsWith('group/')));
  renderLists();
  if (unrecovered.length > 0) {
    notify(`Some messages could not be recovered in ${unrecovered.map(label).join(', ')}: the history no longer reaches back to where you were.`);
  }
  // Channels whose history this page has not loaded yet, or could not resume, show their newest page.
  for (const channel of [`user/${ui.me}`, 'broadcast', ...ui.groups]) {
    if (!state(channel).loaded || unrecovered.includes(channel)) {
      loadNewest(channel, unrecovered.includes(channel));
    }
  }
  if (first) {
    open(ui.groups.size > 0 ? [...ui.groups][0] : 'broadcast');
  } else if (ui.view?.startsWith('group/') && !ui.groups.has(ui.view)) {
    notify(`You are no longer a member of ${label(ui.view)} (the server lost its memberships); join it again to continue.`);
    $('members').hidden = true;
  } else if (ui.view) {
    refreshPresence();
  }
}

// ---- messages -----------------------------------------------------------------------------------

function state(channel) {
  if (!ui.channels.has(channel)) {
    ui.channels.set(channel, { messages: [], ids: new Set(), more: false, loaded: false });
  }
  return ui.channels.get(channel);
}

function received(message) {
  const channelState = state(message.channel);
  if (channelState.ids.has(message.id)) {
    return;
  }
  channelState.ids.add(message.id);
  channelState.messages.push(message);
  if (message.channel === `user/${ui.me}`) {
    ui.dmPartners.add(partnerOf(message));
    renderLists();
  }
  const view = viewOf(message);
  const version = message.replaces !== undefined || message.deletes !== undefined;
  if (message.from !== ui.me && !version) {
    stopTyping(view, message.from);
  }
  if (view === ui.view) {
    render();
    markRead();
  } else if (message.from !== ui.me && !version) {
    ui.unread.set(view, (ui.unread.get(view) ?? 0) + 1);
    renderLists();
  }
}

async function loadNewest(channel, replace) {
  try {
    const page = await ui.chat.history(channel, { limit: HISTORY_PAGE });
    const channelState = state(channel);
    const live = replace ? [] : channelState.messages.filter(m => !page.messages.some(p => p.id === m.id));
    channelState.messages = [...page.messages, ...live];
    channelState.ids = new Set(channelState.messages.map(m => m.id));
    channelState.more = page.more;
    channelState.loaded = true;
    if (channel === `user/${ui.me}`) {
      page.messages.forEach(m => ui.dmPartners.add(partnerOf(m)));
      renderLists();
    }
    if (channelOf(ui.view) === channel) {
      render();
      markRead();
    }
  } catch (error) {
    notify(`Could not load the history of ${label(channel)}: ${describe(error)}`);
  }
}

async function loadOlder() {
  const channel = channelOf(ui.view);
  const channelState = state(channel);
  const oldest = channelState.messages[0];
  try {
    const page = await ui.chat.history(channel, { limit: HISTORY_PAGE, before: oldest?.position });
    const older = page.messages.filter(m => !channelState.ids.has(m.id));
    older.forEach(m => channelState.ids.add(m.id));
    channelState.messages = [...older, ...channelState.messages];
    channelState.more = page.more;
    if (channel === `user/${ui.me}`) {
      older.forEach(m => ui.dmPartners.add(partnerOf(m)));
      renderLists();
    }
    render({ keepScroll: true });
  } catch (error) {
    notify(`Could not load earlier messages: ${describe(error)}`);
  }
}

function sendText() {
  const input = $('text');
  const text = input.value.trim();
  if (!text || !ui.view) {
    return;
  }
  input.value = '';
  const channel = channelOf(ui.view, true);
  if (ui.editing) {
    const { id } = ui.editing;
    stopEditing();
    ui.chat.edit(channel, id, text).catch(error => notify(`Not edited: ${describe(error)}`));
    return;
  }
  const sent = ui.chat.send(channel, text);
  const entry = { seq: ui.chat.lastSeq, view: ui.view, body: text };
  ui.pending.set(entry.seq, entry);
  render();
  sent.then(ack => {
    entry.id = ack.id;
    render();
  }, error => {
    entry.failed = describe(error);
    notify(`Not sent: ${entry.failed}`);
    render();
  });
}

// ---- groups, direct messages, presence ---------------------------------------------------------

async function joinGroup(name) {
  if (!name) {
    return;
  }
  try {
    const joined = await ui.chat.join(`group/${name}`);
    $('join-name').value = '';
    ui.groups.add(joined.channel);
    renderLists();
    loadNewest(joined.channel, false);
    open(joined.channel);
  } catch (error) {
    notify(`Could not join ${name}: ${describe(error)}`);
  }
}

async function leaveGroup() {
  const channel = ui.view;
  try {
    await ui.chat.leave(channel);
    ui.groups.delete(channel);
    ui.channels.delete(channel);
    renderLists();
    open('broadcast');
  } catch (error) {
    notify(`Could not leave ${label(channel)}: ${describe(error)}`);
  }
}

function openDm(name) {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
    notify('A user name is 1 to 64 letters, digits, dot, dash or underscore.');
    return;
  }
  $('dm-name').value = '';
  ui.dmPartners.add(name);
  renderLists();
  open(`dm/${name}`);
}

// ---- editing and deleting my messages ------------------------------------------------------------

/** The composer takes my message's text back; sending it stores a new version (Escape leaves it as it was). */
function startEditing(message) {
  ui.editing = { id: message.id };
  $('text').value = bodyText(message.body);
  $('composer').classList.add('editing');
  $('text').placeholder = 'Edit the message (Esc to cancel)';
  $('text').focus();
}

function stopEditing() {
  ui.editing = null;
  $('composer').classList.remove('editing');
  $('text').placeholder = 'Write a message';
}

function deleteMessage(message) {
  const channel = channelOf(ui.view, true);
  ui.chat.delete(channel, message.id).catch(error => notify(`Not deleted: ${describe(error)}`));
}

// ---- typing and read markers ---------------------------------------------------------------------

/** Someone is typing: shown under the conversation for 5 s after their last typing frame (or until they send). */
function typing({ channel, user }) {
  const view = viewOfChannel(channel);
  const typists = ui.typing.get(view) ?? new Map();
  ui.typing.set(view, typists);
  clearTimeout(typists.get(user));
  typists.set(user, setTimeout(() => stopTyping(view, user), TYPING_SHOWN_MS));
  renderTyping();
}

function stopTyping(view, user) {
  const typists = ui.typing.get(view);
  if (typists?.has(user)) {
    clearTimeout(typists.get(user));
    typists.delete(user);
    renderTyping();
  }
}

function renderTyping() {
  const names = [...(ui.typing.get(ui.view)?.keys() ?? [])];
  $('typing').textContent = names.length === 0 ? ''
    : `${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} typing…`;
}

/**
 * A read marker moved elsewhere: mine on another device (that conversation is read), or another user's receipt (my
 * messages up to that id are read by them).
 */
function readElsewhere({ channel, user, id }) {
  const view = viewOfChannel(channel);
  if (user === ui.me) {
    ui.unread.delete(view);
    renderLists();
    return;
  }
  const readers = ui.readBy.get(view) ?? new Map();
  ui.readBy.set(view, readers);
  readers.set(user, id);
  if (view === ui.view) {
    render();
  }
}

/** Moves my read marker in the open conversation to its newest message from someone else. */
function markRead() {
  if (!ui.view || ui.view === 'broadcast' || ui.chat?.state !== 'connected') {
    return;
  }
  const newest = shownMessages().filter(m => m.from !== ui.me && m.position).at(-1);
  if (!newest || ui.marked.get(ui.view) === newest.position) {
    return;
  }
  const view = ui.view;
  ui.marked.set(view, newest.position);
  ui.chat.read(channelOf(view, true), newest.position).catch(error => {
    ui.marked.delete(view);
    if (error.code !== 'disconnected') {
      notify(`Could not mark ${label(view)} read: ${describe(error)}`);
    }
  });
}

function member(frame) {
  if (frame.channel === ui.view) {
    refreshPresence();
  }
}

async function refreshPresence() {
  const view = ui.view;
  if (!view?.startsWith('group/')) {
    $('members').hidden = true;
    return;
  }
  try {
    const presence = await ui.chat.presence(view);
    if (ui.view !== view) {
      return;
    }
    $('members').hidden = false;
    $('member-count').textContent = `(${presence.online.length} of ${presence.members})`;
    $('online').replaceChildren(...presence.online.map(user => element('li', { text: user })));
  } catch (error) {
    if (error.code !== 'disconnected') {
      notify(`Could not load who is online: ${describe(error)}`);
    }
  }
}

// ---- rendering ---------------------------------------------------------------------------------

function open(view) {
  ui.view = view;
  ui.unread.delete(view);
  renderTyping();
  $('title').textContent = label(view);
  $('leave').hidden = !view.startsWith('group/');
  $('composer').hidden = view === 'broadcast' && !ui.mayBroadcast;
  $('composer-note').hidden = !(view === 'broadcast' && !ui.mayBroadcast);
  $('composer-note').textContent = 'Only admins can broadcast.';
  renderLists();
  render();
  markRead();
  refreshPresence();
  if (!$('composer').hidden) {
    $('text').focus();
  }
}

function render({ keepScroll = false } = {}) {
  const list = $('messages');
  if (!ui.view) {
    return;
  }
  const channelState = state(channelOf(ui.view));
  const shown = shownMessages();
  const pending = [...ui.pending.values()].filter(p => p.view === ui.view && !channelState.ids.has(p.id));
  for (const p of ui.pending.values()) {
    if (p.id && channelState.ids.has(p.id)) {
      ui.pending.delete(p.seq);
    }
  }
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const previousHeight = list.scrollHeight;
  const readers = readersByMessage(shown);
  list.replaceChildren(
      ...shown.map(m => messageItem(m, readers.get(m.id))),
      ...pending.map(p => messageItem({ from: ui.me, body: p.body, pending: p.failed ?? 'sending…' })));
  $('older').hidden = !channelState.more;
  if (keepScroll) {
    list.scrollTop = list.scrollHeight - previousHeight;
  } else if (atBottom || pending.length > 0) {
    list.scrollTop = list.scrollHeight;
  }
}

/** The messages of the open conversation as a reader sees them (each at its latest version), oldest first. */
function shownMessages() {
  const messages = state(channelOf(ui.view)).messages;
  return applyVersions(ui.view.startsWith('dm/') ? messages.filter(m => partnerOf(m) === ui.view.slice(3)) : messages);
}

/** For each of my shown messages, who has read it: everyone whose receipt names it or a later message. */
function readersByMessage(shown) {
  const byMessage = new Map();
  const readers = ui.readBy.get(ui.view);
  if (!readers) {
    return byMessage;
  }
  const index = new Map(shown.map((m, i) => [m.id, i]));
  for (const [user, id] of readers) {
    const upTo = index.get(id) ?? -1;
    for (let i = 0; i <= upTo; i++) {
      if (shown[i].from === ui.me) {
        byMessage.set(shown[i].id, [...(byMessage.get(shown[i].id) ?? []), user]);
      }
    }
  }
  return byMessage;
}

function messageItem(message, readers) {
  const mine = message.from === ui.me;
  const item = element('li', { className: mine ? 'message mine' : 'message' });
  if (message.id) {
    item.dataset.id = message.id;
  }
  const meta = element('div', { className: 'meta' });
  meta.append(element('span', { className: 'from', text: message.from }));
  if (message.ts) {
    const time = element('time', { text: new Date(message.ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) });
    time.dateTime = new Date(message.ts).toISOString();
    time.title = new Date(message.ts).toLocaleString();
    meta.append(time);
  }
  if (message.pending) {
    meta.append(element('span', { className: 'pending', text: message.pending }));
    item.classList.add('is-pending');
  } else if (message.deleted) {
    item.classList.add('is-deleted');
  } else if (mine && message.id) {
    // ✓ stored; ✓✓ read by the other party (or, in a group, by the members named)
    const ticks = element('span', { className: readers ? 'ticks read' : 'ticks', text: readers ? '✓✓' : '✓' });
    ticks.title = readers ? `read by ${readers.join(', ')}` : 'sent';
    ticks.dataset.readBy = readers ? readers.join(',') : '';
    meta.append(ticks);
  }
  if (message.edited && !message.deleted) {
    meta.append(element('span', { className: 'edited', text: 'edited' }));
  }
  if (mine && message.id && !message.pending && !message.deleted) {
    const edit = element('button', { className: 'action edit', text: 'edit' });
    edit.type = 'button';
    edit.addEventListener('click', () => startEditing(message));
    const remove = element('button', { className: 'action delete', text: 'delete' });
    remove.type = 'button';
    remove.addEventListener('click', () => deleteMessage(message));
    meta.append(edit, remove);
  }
  item.append(meta, element('div', { className: 'body', text: message.deleted ? 'message deleted' : bodyText(message.body) }));
  return item;
}

function renderLists() {
  $('groups').replaceChildren(...[...ui.groups].sort().map(channel => viewButton(channel, channel.slice(6))));
  $('dms').replaceChildren(...[...ui.dmPartners].filter(p => p !== ui.me).sort()
      .map(partner => viewButton(`dm/${partner}`, partner)));
  markCurrent($('open-broadcast'), 'broadcast');
}

function viewButton(view, text) {
  const button = element('button', { text });
  button.type = 'button';
  button.dataset.view = view;
  const unread = ui.unread.get(view);
  if (unread) {
    button.append(element('span', { className: 'badge', text: String(unread) }));
  }
  button.addEventListener('click', () => open(view));
  markCurrent(button, view);
  const item = element('li');
  item.append(button);
  return item;
}

function markCurrent(button, view) {
  if (view === ui.view) {
    button.setAttribute('aria-current', 'true');
  } else {
    button.removeAttribute('aria-current');
  }
}

/** Shows a notice above the conversation; the newest few stay until dismissed. */
function notify(text) {
  const list = $('notices');
  list.append(element('li', { text }));
  while (list.children.length > 4) {
    list.firstElementChild.remove();
  }
  $('notice').hidden = false;
}

// ---- helpers ----------------------------------------------------------------------------------

function partnerOf(message) {
  return message.from === ui.me ? message.to.slice('user/'.length) : message.from;
}

function viewOf(message) {
  return message.channel === `user/${ui.me}` ? `dm/${partnerOf(message)}` : message.channel;
}

/**
 * The channel a view's messages are in (a direct conversation's: my own channel), or with {@code named} the channel
 * that names it in typing and read (user/{other}).
 */
function channelOf(view, named = false) {
  return view.startsWith('dm/') ? (named ? `user/${view.slice(3)}` : `user/${ui.me}`) : view;
}

/** The view of a channel as typing, read and unread name it: user/{other} is the conversation with them. */
function viewOfChannel(channel) {
  return channel.startsWith('user/') ? `dm/${channel.slice(5)}` : channel;
}

function label(viewOrChannel) {
  if (viewOrChannel.startsWith('group/')) {
    return `# ${viewOrChannel.slice(6)}`;
  }
  if (viewOrChannel.startsWith('dm/')) {
    return `@ ${viewOrChannel.slice(3)}`;
  }
  if (viewOrChannel.startsWith('user/')) {
    return 'direct messages';
  }
  return viewOrChannel;
}

function bodyText(body) {
  if (typeof body === 'string') {
    return body;
  }
  if (body && typeof body.text === 'string') {
    return body.text;
  }
  return JSON.stringify(body);
}

function describe(error) {
  const reasons = {
    unauthorized: ui.config.auth === 'hook' ? 'not signed in' : 'not signed in (the name or token was refused)',
    forbidden: 'not allowed',
    rate_limited: 'too many messages, slow down',
    unavailable: 'the server is busy, retrying',
    too_large: 'the message is too large',
  };
  const reason = reasons[error?.code];
  return reason ? `${reason}${error.message ? ` (${error.message})` : ''}` : (error?.message ?? String(error));
}

function element(tag, { className, text } = {}) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text != null) {
    node.textContent = text;
  }
  return node;
}
