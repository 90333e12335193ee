#!/usr/bin/env python3
"""Drives one Redis with the gateway's publish script alone, as fast as Redis takes it, with the very arguments a
node sends: two calls the node made for two messages of group bench-0 are read from a MONITOR capture
(bench/publish-cost.sh makes it with bench/PublishDriver.java); what differs between them (the dedupe key, the
message id, a new channel's epoch) is made unique per message, the times are now, and 'bench-0' becomes 'bench-<g>' for
GROUPS groups in turn. So the script's argument layout is never written down twice.
Pipelined EVALSHA calls, BATCH in flight on each of CONNECTIONS connections; with RATE set, paced at RATE messages/s
instead (a batch every 10 ms), for a light driver at a given rate. Prints messages/s and Redis's CPU per
message (INFO cpu, main thread), so that the figure is Redis's own, not the driver's.
  python3 bench/publish_saturate.py PORT CAPTURE COUNT [GROUPS] [CONNECTIONS (processes)] [BATCH]
"""
import os
import re
import socket
import sys
import multiprocessing
import time


def command(*args):
    out = [b'*%d\r\n' % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b'$%d\r\n%s\r\n' % (len(a), a))
    return b''.join(out)


def connect(port):
    """A connection to Redis, signed in as its admin user when REDIS_ADMIN_PASSWORD is set (scripts/cluster.sh)."""
    s = socket.create_connection(('127.0.0.1', port))
    password = os.environ.get('REDIS_ADMIN_PASSWORD')
    if password:
        s.sendall(command('AUTH', 'admin', password))
        reply = s.recv(64)
        if not reply.startswith(b'+OK'):
            raise IOError('AUTH admin refused: %r' % reply)
    return s


def read_replies(sock, buf, n):
    """Reads n replies (any RESP2 type, arrays included) from sock; returns the rest of the buffer."""
    def need(k):
        nonlocal buf
        while len(buf) < k:
            data = sock.recv(1 << 20)
            if not data:
                raise IOError('connection closed')
            buf += data

    def line(pos):
        while True:
            end = buf.find(b'\r\n', pos)
            if end >= 0:
                return end
            need(len(buf) + 1)

    def one(pos):
        end = line(pos)
        kind, rest = buf[pos:pos + 1], buf[pos + 1:end]
        if kind == b'$':
            size = int(rest)
            if size < 0:
                return end + 2
            need(end + 2 + size + 2)
            return end + 2 + size + 2
        if kind == b'*':
            pos = end + 2
            for _ in range(max(0, int(rest))):
                pos = one(pos)
            return pos
        if kind == b'-':
            raise RuntimeError(rest.decode())
        return end + 2

    pos = 0
    for _ in range(n):
        pos = one(pos)
    return buf[pos:]


def monitor_args(line):
    """The arguments of one MONITOR line: "a" "b\\"c" ... with Redis's escapes (\\n \\r \\t \\\\ \\" \\xNN)."""
    out = []
    for m in re.finditer(r'"((?:[^"\\]|\\.)*)"', line[line.index(']') + 1:]):
        s, raw, i = m.group(1), bytearray(), 0
        while i < len(s):
            c = s[i]
            if c == '\\':
                n = s[i + 1]
                if n == 'x':
                    raw.append(int(s[i + 2:i + 4], 16))
                    i += 4
                    continue
                raw.extend({'n': b'\n', 'r': b'\r', 't': b'\t', 'a': b'\a', 'b': b'\b'}.get(n, n.encode()))
                i += 2
                continue
            raw.extend(c.encode())
            i += 1
        out.append(bytes(raw))
    return out


def template(capture):
    """The first two EVALSHA calls of the capture: (common args, indexes that differ between them)."""
    calls = [monitor_args(l) for l in open(capture, encoding='utf-8', errors='replace')
             if '"evalsha"' in l.lower()][:2]
    if len(calls) < 2:
        raise SystemExit('%s holds fewer than two EVALSHA calls' % capture)
    a, b = calls
    return a, [i for i in range(len(a)) if a[i] != b[i] or is_time(a[i], a)]


def is_time(arg, call):
    """A time in ms (a message's, or the oldest the age window keeps): 13 digits within 3 days of the call's times."""
    times = [int(x) for x in call if x.isdigit() and len(x) == 13]
    return arg.isdigit() and len(arg) == 13 and max(times) - int(arg) <= 3 * 86400000


def cpu(port):
    s = connect(port)
    s.sendall(command('INFO', 'cpu'))
    data = b''
    while b'used_cpu_user_main_thread' not in data or not data.endswith(b'\r\n'):
        data += s.recv(65536)
    s.close()
    total = 0.0
    for l in data.decode().split('\r\n'):
        if l.startswith('used_cpu_sys_main_thread:') or l.startswith('used_cpu_user_main_thread:'):
            total += float(l.split(':')[1])
    return total


def main():
    port, capture, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    groups = int(sys.argv[4]) if len(sys.argv) > 4 else 300
    connections = int(sys.argv[5]) if len(sys.argv) > 5 else 2
    batch = int(sys.argv[6]) if len(sys.argv) > 6 else 200
    rate = float(os.environ.get('RATE', '0'))  # messages/s in all; 0: as fast as Redis takes them
    if rate:
        batch = max(1, int(rate / 100 / connections))  # a batch every 10 ms
    base, varying = template(capture)
    captured_ms = max((int(base[i]) for i in varying if base[i].isdigit()), default=0)
    run = str(int(time.time() * 1000))
    members = [a for a in base if b':members:bench-0' in a]
    setup = connect(port)
    for g in range(groups):
        for key in members:
            setup.sendall(command('SADD', key.replace(b'bench-0', b'bench-%d' % g), *[
                a for a in base if a.startswith(b'sender')][:1]))
            read_replies(setup, b'', 1)
    setup.close()

    # each group's call as RESP pieces, worked out once: per message only the varying arguments are encoded
    def bulk(a):
        return b'$%d\r\n%s\r\n' % (len(a), a)
    per_group = [[bulk(a.replace(b'bench-0', b'bench-%d' % g)) for a in base] for g in range(groups)]
    header = b'*%d\r\n' % len(base)
    times = [k for k in varying if is_time(base[k], base)]
    unique = [k for k in varying if k not in times]
    suffix = b'-' + run.encode() + b'-'

    def call(i, now):
        pieces = list(per_group[i % groups])
        for k in times:  # now, as the node would send it
            pieces[k] = bulk(b'%d' % (int(base[k]) + now - captured_ms))
        for k in unique:
            pieces[k] = bulk(base[k].replace(b'bench-0', b'bench-%d' % (i % groups)) + suffix + b'%d' % i)
        return header + b''.join(pieces)

    def worker(first, n):
        s = connect(port)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = b''
        tick = time.time()
        for start in range(first, first + n, batch):
            if rate:  # paced: this worker's share of RATE messages/s, a batch per tick
                tick += batch * connections / rate
                wait = tick - time.time()
                if wait > 0:
                    time.sleep(wait)
            now = int(time.time() * 1000)
            pending = [call(i, now) for i in range(start, min(first + n, start + batch))]
            s.sendall(b''.join(pending))
            buf = read_replies(s, buf, len(pending))
        s.close()

    c0, t0 = cpu(port), time.time()
    per = count // connections
    # processes, not threads: one Python thread cannot make calls as fast as Redis runs them
    workers = [multiprocessing.Process(target=worker, args=(k * per, per)) for k in range(connections)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
        if w.exitcode != 0:
            raise SystemExit('a driver process failed')
    c1, t1 = cpu(port), time.time()
    n = per * connections
    print('%.0f messages/s, Redis main thread busy %.0f %% of a core, %.1f us of Redis CPU per message' %
          (n / (t1 - t0), (c1 - c0) / (t1 - t0) * 100, (c1 - c0) * 1e6 / n))


if __name__ == '__main__':
    main()
