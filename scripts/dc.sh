#!/usr/bin/env bash
# A small data centre on this machine (issue 33): Linux network namespaces as hosts, each with its own address on
# one bridge (in a namespace of its own, so the machine's own network is not touched); nothing between hosts goes
# over loopback. Root only.
#
#   scripts/dc.sh up                 the hosts (gw1 gw2 gw3 lb client redis1 redis2 redis3) and the switch
#   scripts/dc.sh down               every process in the hosts killed, every namespace (and its links) gone
#   scripts/dc.sh addr HOST          the host's address
#   scripts/dc.sh exec HOST CMD...   runs CMD in the host
#   scripts/dc.sh cut HOST [PEER...] drops the host's traffic with the peers (every host when none is named), both ways
#   scripts/dc.sh heal HOST          lifts the host's cuts
#   scripts/dc.sh status             the hosts, their addresses and cuts
#
# No latency or loss can be injected (this kernel has no netem): partitions are iptables DROP rules in a host.
# Environment: DC_PREFIX (dc-: the namespaces' names), DC_NET (10.77.0: the /24 the hosts live in).
set -euo pipefail
PREFIX=${DC_PREFIX:-dc-}
NET=${DC_NET:-10.77.0}
SWITCH=${PREFIX}switch
HOSTS=(gw1 gw2 gw3 lb client redis1 redis2 redis3)

addr() { # host: its address
  case "$1" in
    gw1) echo "$NET.21" ;; gw2) echo "$NET.22" ;; gw3) echo "$NET.23" ;;
    lb) echo "$NET.5" ;; client) echo "$NET.6" ;;
    redis1) echo "$NET.11" ;; redis2) echo "$NET.12" ;; redis3) echo "$NET.13" ;;
    *) echo "dc: no host $1 (hosts: ${HOSTS[*]})" >&2; exit 2 ;;
  esac
}

ns() { echo "$PREFIX$1"; }

up() {
  [ "$(id -u)" = 0 ] || { echo "dc: network namespaces need root" >&2; exit 1; }
  down quiet
  ip netns add "$SWITCH"
  ip -n "$SWITCH" link add br0 type bridge
  ip -n "$SWITCH" link set br0 up
  ip -n "$SWITCH" link set lo up
  for host in "${HOSTS[@]}"; do
    local n
    n=$(ns "$host")
    ip netns add "$n"
    ip -n "$n" link set lo up
    # one end in the host (eth0), the other on the bridge
    ip link add "v$host" type veth peer name "p$host"
    ip link set "v$host" netns "$n"
    ip link set "p$host" netns "$SWITCH"
    ip -n "$n" link set "v$host" name eth0
    ip -n "$n" addr add "$(addr "$host")/24" dev eth0
    ip -n "$n" link set eth0 up
    ip -n "$SWITCH" link set "p$host" master br0
    ip -n "$SWITCH" link set "p$host" up
  done
}

down() { # [quiet]
  for n in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$PREFIX" || true); do
    for pid in $(ip netns pids "$n" 2>/dev/null); do
      kill -9 "$pid" 2>/dev/null || true
    done
    ip netns delete "$n" 2>/dev/null || true
  done
  [ "${1:-}" = quiet ] || echo "dc: down"
}

cut() { # host [peer...]: DROP both ways, in the host's own namespace
  local host=$1 n
  shift
  n=$(ns "$host")
  local peers=("$@")
  if [ ${#peers[@]} -eq 0 ]; then
    ip netns exec "$n" iptables -A INPUT -i eth0 -j DROP
    ip netns exec "$n" iptables -A OUTPUT -o eth0 -j DROP
    return
  fi
  for peer in "${peers[@]}"; do
    ip netns exec "$n" iptables -A INPUT -s "$(addr "$peer")" -j DROP
    ip netns exec "$n" iptables -A OUTPUT -d "$(addr "$peer")" -j DROP
  done
}

heal() {
  ip netns exec "$(ns "$1")" iptables -F INPUT
  ip netns exec "$(ns "$1")" iptables -F OUTPUT
}

status() {
  for host in "${HOSTS[@]}"; do
    local n rules
    n=$(ns "$host")
    if ip netns list | grep -q "^$n\b"; then
      rules=$(ip netns exec "$n" iptables -S 2>/dev/null | grep -c DROP || true)
      echo "$host $(addr "$host") drop-rules=$rules processes=$(ip netns pids "$n" | wc -l)"
    else
      echo "$host down"
    fi
  done
}

case "${1:-}" in
  up) up; status ;;
  down) down ;;
  addr) addr "$2" ;;
  exec) host=$2; shift 2; exec ip netns exec "$(ns "$host")" "$@" ;;
  cut) shift; cut "$@" ;;
  heal) heal "$2" ;;
  status) status ;;
  *) sed -n '2,15p' "$0"; exit 2 ;;
esac
