#!/usr/bin/env bash
# Kernel settings for the big runs, when this user may change them (root, and a kernel that lets a
# container write them); otherwise says what it could not set and carries on with the defaults.
#   somaxconn / tcp_max_syn_backlog: accept queues for a ramp of ~2k connections/s
#   ip_local_port_range 32768-65000: ~32k ephemeral ports per (source, destination) pair; it keeps the
#     default's start, below which every server port of the benchmarks and tests stays, so no outgoing
#     connection takes one
set -uo pipefail
try() { # key value
  if sysctl -qw "$1=$2" 2>/dev/null; then echo "set $1 = $2"; else echo "left $1 = $(sysctl -n "$1" 2>/dev/null) (cannot set $2)"; fi
}
try net.core.somaxconn 8192
try net.ipv4.tcp_max_syn_backlog 8192
try net.ipv4.ip_local_port_range "32768 65000"
try net.ipv4.tcp_tw_reuse 1
echo "open files per process: $(ulimit -n) (hard: $(ulimit -Hn))"
