#!/usr/bin/env python3
"""Takes gateway servers out of rotation and back, in every HAProxy process of a local cluster, through each
process's runtime API (scripts/cluster.sh with HAPROXY_ADMIN_SOCKET=yes: CLUSTER_DIR/haproxy*.sock).

  bench/haproxy_servers.py CLUSTER_DIR maint gw-1 gw-2     out of rotation (open tunnels stay)
  bench/haproxy_servers.py CLUSTER_DIR ready gw-1 gw-2     back, then waits (30 s at most) until every process
                                                           routes to them (health checks passed: UP)
"""
import glob
import socket
import sys
import time

BACKEND = "gateways"


def ask(path, command):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(path)
        s.sendall(command.encode() + b"\n")
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return b"".join(chunks).decode()
            chunks.append(chunk)


def states(path):
    """Each server of the backend and its status column (UP, DOWN, MAINT, ...) in one process."""
    lines = ask(path, "show stat").splitlines()
    header = lines[0].lstrip("# ").split(",")
    status = header.index("status")
    return {row[1]: row[status] for row in (line.split(",") for line in lines[1:] if line)
            if row[0] == BACKEND and row[1] not in ("FRONTEND", "BACKEND")}


def main():
    if len(sys.argv) < 4 or sys.argv[2] not in ("maint", "ready"):
        sys.exit(__doc__)
    directory, state, servers = sys.argv[1], sys.argv[2], sys.argv[3:]
    sockets = sorted(glob.glob(directory + "/haproxy*.sock"))
    if not sockets:
        sys.exit(f"no HAProxy runtime socket in {directory} (start the cluster with HAPROXY_ADMIN_SOCKET=yes)")
    for path in sockets:
        for server in servers:
            answer = ask(path, f"set server {BACKEND}/{server} state {state}").strip()
            if answer:
                sys.exit(f"{path}: set server {server} state {state}: {answer}")
    if state == "maint":
        return
    deadline = time.monotonic() + 30
    while True:
        down = [(path, server, st) for path in sockets for server, st in states(path).items()
                if server in servers and not st.startswith("UP")]
        if not down:
            return
        if time.monotonic() > deadline:
            sys.exit(f"not UP after 30 s: {down}")
        time.sleep(0.2)


if __name__ == "__main__":
    main()
