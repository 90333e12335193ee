"""A markdown table of every fan-out report under a results directory: topology, rate, latency, loss, CPU."""
import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1])
print("| topology | msg/s | deliveries/s | p50 ms | p99 ms | p99.9 ms | max ms | lost | dup | gateways CPU % (mean, sum) | redis CPU % | haproxy CPU % |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for report in sorted(root.glob("*/rate-*/report.json"), key=lambda p: (p.parent.parent.name, int(p.parent.name[5:]))):
    r = json.loads(report.read_text())
    procs = r["processes"]
    cpu = lambda prefix: round(sum(p.get("cpuMeanPercent", 0) for n, p in procs.items() if n.startswith(prefix)))
    l = r["latencyMs"]
    print(f"| {report.parent.parent.name} | {r['plan']['ratePerSecond']:.0f} | {r['deliveriesPerSecond']} | {l['p50']} | {l['p99']} "
          f"| {l['p99.9']} | {l['max']} | {r['lost']} | {r['duplicates']} | {cpu('gw')} | {cpu('redis')} | {cpu('haproxy')} |")
