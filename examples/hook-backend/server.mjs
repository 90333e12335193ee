// An application backend for the chat gateway's hooks (protocol 1.1, "Hooks"), in plain Node (no packages):
//  - a cookie sign-in: /login sets a session cookie, and the connect hook turns that cookie into a chat user;
//  - a join hook with a member list: group paid.club is for its members only;
//  - a publish hook that moderates: a message with "buy now" is refused, "darn" is rewritten;
//  - the membership API: a user who signs in is made a member of group team, so the gateway lets them in;
//  - webhooks: /events takes the gateway's batches, drops repeats by id, and "sends a push notification" (a log
//    line) for each direct message to someone who was offline.
// Every hook request's and batch's signature is checked (HOOK_SECRET, WEBHOOK_SECRET) before it is believed.
//
// Settings (environment): PORT (3000), GATEWAY_URL (http://localhost:8080/, where the chat page is and where the
// membership API is called), API_KEY and HOOK_SECRET (the gateway's, at least 32 bytes each).
import { createServer } from 'node:http';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
const GATEWAY_URL = process.env.GATEWAY_URL ?? 'http://localhost:8080/';
const API_KEY = process.env.API_KEY;
const HOOK_SECRET = process.env.HOOK_SECRET;
const WEBHOOK_SECRET = process.env.WEBHOOK_SECRET ?? HOOK_SECRET;
if (!API_KEY || !HOOK_SECRET) {
  console.error('set API_KEY and HOOK_SECRET (the gateway\'s), e.g. with examples/hook-backend/run.sh');
  process.exit(2);
}

// The application's own data: its users and passwords, its sessions, the paying members of paid.club.
const USERS = { alice: 'wonderland', bob: 'builder', carol: 'singer' };
const ADMINS = new Set(['alice']);
const CLUB = new Set(['alice', 'carol']);
const SESSION_HOURS = 8;
const sessions = new Map(); // session id -> user

/** The request's signature (with {@code secret}) holds and was made in the last five minutes. */
function signed(req, body, secret = HOOK_SECRET) {
  const timestamp = req.headers['x-chat-timestamp'] ?? '';
  const given = Buffer.from(req.headers['x-chat-signature'] ?? '');
  const expected = Buffer.from(`v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`);
  return given.length === expected.length && timingSafeEqual(given, expected)
    && Math.abs(Date.now() - Number(timestamp)) < 5 * 60_000;
}

function cookie(header, name) {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) {
      return value.join('=');
    }
  }
  return undefined;
}

const hooks = {
  // {"client":{"address","origin","headers":{"cookie",...}},"data","device"} -> who the session is
  connect({ client }) {
    const user = sessions.get(cookie(client.headers.cookie, 'sid'));
    if (!user) {
      return { error: { message: `sign in at http://${HOST}:${PORT}/ first` } };
    }
    return { user, role: ADMINS.has(user) ? 'admin' : 'user', expires: Date.now() + SESSION_HOURS * 3600_000 };
  },
  // {"user","group","session"}: asked for a closed group the user has no other grant for
  join({ user, group }) {
    if (group === 'paid.club') {
      return CLUB.has(user) ? { allow: true } : { allow: false, message: 'group paid.club is for paying members' };
    }
    return { allow: false, message: `there is no group ${group} here` };
  },
  // {"user","channel","device","seq","body"}: before the message is stored
  publish({ body }) {
    const text = typeof body === 'string' ? body : typeof body?.text === 'string' ? body.text : '';
    if (/buy now/i.test(text)) {
      return { allow: false, message: 'no advertising, please' };
    }
    if (/\bdarn\b/i.test(text)) {
      const clean = text.replace(/\bdarn\b/gi, 'd**n');
      return { allow: true, body: typeof body === 'string' ? clean : { ...body, text: clean } };
    }
    return { allow: true };
  },
};

// Webhook events come at least once: a repeat has the id of the first. The ids seen lately, oldest first.
const seen = new Set();
const SEEN_MAX = 100_000;

/** One batch of events: each handled once. */
function events(batch) {
  for (const event of batch.events) {
    if (seen.has(event.id)) {
      continue; // a repeat of a batch we took before (our answer was lost, or came too late)
    }
    seen.add(event.id);
    if (seen.size > SEEN_MAX) {
      seen.delete(seen.values().next().value);
    }
    if (event.type === 'message' && event.offline) {
      const to = event.channel.slice('user/'.length);
      console.log(`push notification to ${to}: ${event.message.from} wrote ${JSON.stringify(event.message.body)}`);
    }
  }
}

/** The membership API: the application makes the user a member of a closed group. */
async function addMember(group, user) {
  const response = await fetch(new URL(`api/groups/${group}/members/${user}`, GATEWAY_URL),
    { method: 'PUT', headers: { Authorization: `Bearer ${API_KEY}` } });
  if (!response.ok) {
    throw new Error(`PUT members of ${group}: HTTP ${response.status}`);
  }
}

const LOGIN_PAGE = message => `<!doctype html><meta charset="utf-8"><title>Sign in</title>
<style>body{font:16px system-ui;max-width:24rem;margin:4rem auto}label,input,button{display:block;margin:.5rem 0}</style>
<h1>Example app</h1><p>${message}</p>
<form method="post" action="/login"><label>User <input name="user" id="user" autocomplete="username"></label>
<label>Password <input name="password" id="password" type="password" autocomplete="current-password"></label>
<button type="submit">Sign in and chat</button></form>
<p>Users: alice / wonderland (admin, paid.club), bob / builder, carol / singer (paid.club).</p>`;

function read(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', chunk => {
      size += chunk.length;
      if (size > 1 << 20) {
        reject(new Error('too large'));
        req.destroy();
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function reply(res, status, type, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': type, ...headers });
  res.end(body);
}

const server = createServer(async (req, res) => {
  try {
    const path = new URL(req.url, 'http://x').pathname;
    if (req.method === 'GET' && path === '/') {
      return reply(res, 200, 'text/html; charset=utf-8', LOGIN_PAGE('Sign in to chat.'));
    }
    if (req.method === 'POST' && path === '/login') {
      const form = new URLSearchParams((await read(req)).toString());
      const user = form.get('user');
      if (!Object.hasOwn(USERS, user ?? '') || USERS[user] !== form.get('password')) {
        return reply(res, 401, 'text/html; charset=utf-8', LOGIN_PAGE('Wrong user or password.'));
      }
      await addMember('team', user);
      const sid = randomBytes(24).toString('base64url');
      sessions.set(sid, user);
      // no Domain: the cookie goes to this host on any port, the gateway's included (cookies ignore ports)
      return reply(res, 303, 'text/plain', 'signed in', {
        'Set-Cookie': `sid=${sid}; HttpOnly; SameSite=Lax; Path=/; Max-Age=${SESSION_HOURS * 3600}`,
        Location: GATEWAY_URL,
      });
    }
    if (req.method === 'POST' && path === '/events') {
      const body = await read(req);
      if (!signed(req, body, WEBHOOK_SECRET)) {
        return reply(res, 401, 'application/json', '{"error":"bad signature"}');
      }
      events(JSON.parse(body.toString()));
      return reply(res, 204, 'text/plain', '');
    }
    const hook = req.method === 'POST' && path.startsWith('/hooks/') && hooks[path.slice('/hooks/'.length)];
    if (hook) {
      const body = await read(req);
      if (!signed(req, body)) {
        return reply(res, 401, 'application/json', '{"error":"bad signature"}');
      }
      return reply(res, 200, 'application/json', JSON.stringify(hook(JSON.parse(body.toString()))));
    }
    reply(res, 404, 'text/plain', 'not found');
  } catch (e) {
    console.error(e);
    reply(res, 500, 'text/plain', 'error');
  }
});

server.listen(PORT, HOST, () => console.log(`example backend on http://${HOST}:${PORT}/ (chat at ${GATEWAY_URL})`));
