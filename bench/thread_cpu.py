#!/usr/bin/env python3
"""Where a set of processes' CPU went, by thread: snapshot PID... > FILE, then diff BEFORE AFTER.

Threads are grouped by their name (/proc/PID/task/TID/comm): jit (HotSpot's C1/C2 compiler threads), gc (G1 and
the VM thread), loops (Vert.x event loops; a Node.js process's main thread), other (everything else: V8's workers,
timers, Netty's and the JVM's other threads). Threads that ended between two snapshots lose what they used; the
whole-process figure (utime + stime of /proc/PID/stat) stays the authority."""
import json
import os
import sys

TICK = os.sysconf("SC_CLK_TCK")


def group(name, main):
    if name.startswith(("C1 CompilerThre", "C2 CompilerThre")):
        return "jit"
    if name.startswith(("G1 ", "GC Thread", "VM Thread")):
        return "gc"
    if name.startswith("vert.x-eventloo") or main:
        return "loops"
    return "other"


def snapshot(pids):
    totals = {}
    for pid in pids:
        for tid in os.listdir("/proc/%s/task" % pid):
            try:
                with open("/proc/%s/task/%s/stat" % (pid, tid)) as f:
                    stat = f.read()
            except OSError:
                continue
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2:].split()
            ms = (int(fields[11]) + int(fields[12])) * 1000 // TICK
            # a Node.js process's main thread is named after the program; a JVM's main thread does little
            key = group(name, tid == pid and name == "node")
            totals[key] = totals.get(key, 0) + ms
    return totals


if sys.argv[1] == "snapshot":
    print(json.dumps(snapshot(sys.argv[2:])))
else:
    before, after = (json.load(open(p)) for p in sys.argv[2:4])
    print(", ".join("%s %.1f s" % (k, (after.get(k, 0) - before.get(k, 0)) / 1000)
                    for k in ("loops", "jit", "gc", "other")))
