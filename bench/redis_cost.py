"""What a message costs Redis during a fan-out run: commands (by name, script-internal calls included) and
Redis CPU per accepted message, between the moment all N clients are connected and warm and the last
moment they all still were (so connects and closes are left out).

    python3 bench/redis_cost.py REDIS_PORT MGMT_PORT N WARMUP_SECONDS OUT_FILE
"""
import re
import subprocess
import sys
import time
import urllib.request


def redis_info(port):
    text = subprocess.run(["redis-cli", "-p", str(port), "INFO", "all"], capture_output=True, text=True,
                          timeout=5).stdout
    cpu = 0.0
    commands = {}
    for line in text.splitlines():
        if line.startswith(("used_cpu_sys:", "used_cpu_user:")):
            cpu += float(line.split(":")[1])
        m = re.match(r"cmdstat_([^:]+):calls=(\d+)", line)
        if m:
            commands[m.group(1)] = int(m.group(2))
    return cpu, commands


def gateway(mgmt):
    body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % mgmt, timeout=5).read().decode()
    values = {}
    for line in body.splitlines():
        for name in ("chat_connections", "chat_messages_accepted_total"):
            if line.startswith(name + " "):
                values[name] = float(line.split()[1])
    return values


def snapshot(redis_port, mgmt):
    g = gateway(mgmt)
    cpu, commands = redis_info(redis_port)
    return g.get("chat_connections", 0), g.get("chat_messages_accepted_total", 0), cpu, commands


def main(redis_port, mgmt, n, warmup, out):
    deadline = time.time() + 600
    first = None
    while time.time() < deadline:
        try:
            s = snapshot(redis_port, mgmt)
        except Exception:
            break
        if first is None and s[0] >= n:
            time.sleep(warmup + 1)  # the driver's warm-up, as lean.sh's profile waits for it
            first = snapshot(redis_port, mgmt)
            last = first
        elif first is not None:
            if s[0] < n:
                break
            last = s
        time.sleep(0.5)
    if first is None or last[1] <= first[1]:
        open(out, "w").write("no messages measured\n")
        return
    messages = last[1] - first[1]
    cpu = last[2] - first[2]
    lines = ["messages %d; Redis CPU %.1f us per message; commands per message:" % (messages, cpu / messages * 1e6)]
    for name in sorted(last[3], key=lambda k: -(last[3][k] - first[3].get(k, 0))):
        delta = last[3][name] - first[3].get(name, 0)
        if delta / messages >= 0.01 and name != "info":  # INFO is this script's own
            lines.append("  %-14s %.2f" % (name, delta / messages))
    open(out, "w").write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
