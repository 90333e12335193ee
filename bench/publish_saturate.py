#!/usr/bin/env python3
"""Drives one Redis with publish.lua alone, as fast as it takes it: pipelined EVALSHA calls of group sends
(a unique dedupe key each, GROUPS groups in turn, the membership check on, ~100 bytes of body), BATCH
calls in flight on each of CONNECTIONS connections. Prints messages/s and Redis's CPU per message (INFO cpu),
so that the figure is Redis's own, not the driver's.
  python3 bench/publish_saturate.py PORT SHA COUNT [GROUPS] [CONNECTIONS] [BATCH]
"""
import os
import socket
import sys
import threading
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


def cpu(port):
    s = connect(port)
    s.sendall(command('INFO', 'cpu'))
    data = b''
    while b'used_cpu_user' not in data or not data.endswith(b'\r\n'):
        data += s.recv(65536)
    s.close()
    total = 0.0
    for l in data.decode().split('\r\n'):
        if l.startswith('used_cpu_sys:') or l.startswith('used_cpu_user:'):
            total += float(l.split(':')[1])
    return total


def main():
    port, sha, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    groups = int(sys.argv[4]) if len(sys.argv) > 4 else 300
    connections = int(sys.argv[5]) if len(sys.argv) > 5 else 2
    batch = int(sys.argv[6]) if len(sys.argv) > 6 else 200
    body = '"hello from the saturation driver: about a hundred bytes of body to look like a chat line."'
    run = str(int(time.time() * 1000))
    setup = connect(port)
    for g in range(groups):
        setup.sendall(command('SADD', 'sat:members:%d' % g, 'alice'))
        read_replies(setup, b'', 1)
    setup.close()

    def calls(first, n):
        for i in range(first, first + n):
            g = i % groups
            yield command('EVALSHA', sha, 5, 'sat:dedupe:%s:%d' % (run, i), 'sat:members:%d' % g,
                          'sat:stream:%d' % g, 'sat:meta:%d' % g, 'sat:topic:%d' % g,
                          86400, 1000, 1, 'e1', 'id%d' % i, 'alice', 'group/g%d' % g, 1, body, '',
                          86400000, 'alice', 'group/g%d' % g, 'PUBLISH')

    def worker(first, n):
        s = connect(port)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = b''
        pending = []
        for cmd in calls(first, n):
            pending.append(cmd)
            if len(pending) == batch:
                s.sendall(b''.join(pending))
                buf = read_replies(s, buf, len(pending))
                pending = []
        if pending:
            s.sendall(b''.join(pending))
            read_replies(s, buf, len(pending))
        s.close()

    c0, t0 = cpu(port), time.time()
    per = count // connections
    threads = [threading.Thread(target=worker, args=(k * per, per)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    c1, t1 = cpu(port), time.time()
    n = per * connections
    print('%.0f messages/s, Redis busy %.0f %% of a core, %.1f us of Redis CPU per message' %
          (n / (t1 - t0), (c1 - c0) / (t1 - t0) * 100, (c1 - c0) * 1e6 / n))


if __name__ == '__main__':
    main()
