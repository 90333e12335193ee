// Servers for the browser tests, started and stopped by the tests themselves: gateway nodes from the
// fat jar (gateway-node/target/gateway-node.jar, built by `./mvnw package`), redis-server, and the local
// cluster behind HAProxy through scripts/cluster.sh. Everything binds to 127.0.0.1.
import { spawn, execFile } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { mkdirSync, openSync, readFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const artifacts = resolve(repo, 'web-client/target/e2e');
const jar = resolve(repo, 'gateway-node/target/gateway-node.jar');
const java = process.env.JAVA ?? 'java';
export const API_KEY = 'e2e-api-key-0123456789abcdef01234567';

mkdirSync(artifacts, { recursive: true });

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Headless Chromium (Debian's), driven by playwright-core. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    // Past the three the tests need, flags that keep Chromium from calling home on a closed network.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  }).catch(e => {
    throw new Error(`cannot start ${CHROMIUM} (apt-get install chromium): ${e.message}`);
  });
}

/** Polls {@code check} until it returns a truthy value, or fails naming {@code what} after the timeout. */
export async function waitFor(what, check, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) {
        return value;
      }
    } catch (e) {
      last = e;
    }
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

function accepts(port) {
  return new Promise(resolveAccepts => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => { socket.destroy(); resolveAccepts(true); });
    socket.on('error', () => resolveAccepts(false));
  });
}

async function ok(url) {
  const response = await fetch(url);
  return response.ok;
}

function exited(child) {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise(r => child.once('exit', r));
}

/** A redis-server on a free port, without persistence. */
export async function startRedis() {
  const port = await freePort();
  const log = openSync(resolve(artifacts, `redis-${port}.log`), 'a');
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', log, log] });
  let failure = null;
  child.on('error', e => { failure = e; });
  await waitFor(`redis-server on ${port}`, () => {
    if (failure) {
      throw new Error(`cannot start redis-server (apt-get install redis-server): ${failure.message}`);
    }
    return accepts(port);
  }, 10_000);
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGKILL');
      await exited(child);
    },
  };
}

/**
 * One gateway node from the fat jar. {@code env} adds settings (REDIS_URL, ...). The node can be killed
 * (SIGKILL, as a crash) and started again on the same ports.
 */
export async function startNode(env = {}) {
  if (!existsSync(jar)) {
    throw new Error(`${jar} is missing: run ./mvnw -DskipTests package first`);
  }
  const port = await freePort();
  const mgmtPort = await freePort();
  const node = {
    port,
    url: `http://127.0.0.1:${port}/`,
    child: null,
    async start() {
      const log = openSync(resolve(artifacts, `node-${port}.log`), 'a');
      this.child = spawn(java, ['-Xmx256m', '-jar', jar], {
        stdio: ['ignore', log, log],
        env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), MGMT_HOST: '127.0.0.1',
          MGMT_PORT: String(mgmtPort), NODE_ID: `gw-${port}`, API_KEY, ...env },
      });
      const child = this.child;
      await waitFor(`the node on ${port} to be ready`, () => {
        if (child.exitCode !== null) {
          throw new Error(`it exited with ${child.exitCode}; log: ${artifacts}/node-${port}.log`);
        }
        return ok(`http://127.0.0.1:${mgmtPort}/ready`);
      }, 60_000);
    },
    async kill() {
      this.child.kill('SIGKILL');
      await exited(this.child);
    },
  };
  await node.start();
  return node;
}

/**
 * scripts/cluster.sh with {@code nodes} nodes: Redis, the nodes and HAProxy in front, as an operator runs
 * it. kill(nodeId) crashes one node (SIGKILL).
 */
export async function startCluster(nodes) {
  // Below the ephemeral port range (32768 and up), apart from the Java tests' clusters (10000-28999).
  const base = 29000 + Math.floor(Math.random() * 60) * 50;
  const env = {
    ...process.env,
    CLUSTER_DIR: resolve(artifacts, 'cluster'),
    CLUSTER_PORT: String(base), CLUSTER_STATS_PORT: String(base + 1), CLUSTER_REDIS_PORT: String(base + 2),
    CLUSTER_NODE_PORT: String(base + 10), CLUSTER_MGMT_PORT: String(base + 20),
    JAVA: java, JAVA_OPTS: '-Xmx256m', API_KEY,
  };
  const run = args => promisify(execFile)('bash', [resolve(repo, 'scripts/cluster.sh'), ...args],
      { cwd: repo, env, timeout: 180_000 });
  await run(['down']);   // a run that was interrupted before may have left processes
  await run(['up', '--nodes', String(nodes)]);
  return {
    url: `http://127.0.0.1:${base}/`,
    pidOf(nodeId) {
      const line = readFileSync(resolve(env.CLUSTER_DIR, 'pids'), 'utf8').split('\n')
          .find(l => l.startsWith(`${nodeId} `));
      if (!line) {
        throw new Error(`no node ${nodeId} in the cluster`);
      }
      return Number(line.split(' ')[1]);
    },
    async kill(nodeId) {
      const pid = this.pidOf(nodeId);
      process.kill(pid, 'SIGKILL');
      await waitFor(`${nodeId} to exit`, () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      });
    },
    async stop() {
      await run(['down']);
    },
  };
}

/**
 * The example backend of examples/hook-backend on {@code port} (its hooks at /hooks/...), with the gateway at
 * {@code gatewayUrl}: a cookie sign-in, a join hook, a moderating publish hook.
 */
export async function startExampleBackend(port, gatewayUrl, hookSecret) {
  const log = openSync(resolve(artifacts, `example-backend-${port}.log`), 'a');
  const child = spawn(process.execPath, [resolve(repo, 'examples/hook-backend/server.mjs')], {
    stdio: ['ignore', log, log],
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', GATEWAY_URL: gatewayUrl, API_KEY,
      HOOK_SECRET: hookSecret },
  });
  await waitFor(`the example backend on ${port}`, () => {
    if (child.exitCode !== null) {
      throw new Error(`it exited with ${child.exitCode}; log: ${artifacts}/example-backend-${port}.log`);
    }
    return accepts(port);
  }, 10_000);
  return {
    url: `http://127.0.0.1:${port}/`,
    log: resolve(artifacts, `example-backend-${port}.log`),
    async stop() {
      child.kill('SIGKILL');
      await exited(child);
    },
  };
}

/** Publishes through the HTTP API, as a backend would. */
export async function publish(baseUrl, channel, body, from = 'system') {
  const response = await fetch(new URL('api/publish', baseUrl), {
    method: 'POST',
    headers: { 'Authorization': `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ channel, body, from }),
  });
  if (!response.ok) {
    throw new Error(`publish to ${channel}: HTTP ${response.status} ${await response.text()}`);
  }
  return response.json();
}
