"""Old against new in one sitting: the median over alternating runs of fan-out p50/p99 and gateway CPU per
rate (directories <label>-<i>/nodes-N/rate-R/report.json under a root), as a markdown table.
   python3 bench/compare.py ROOT [LABEL_A LABEL_B]   (labels default: old new)"""
import json
import pathlib
import statistics
import sys

root = pathlib.Path(sys.argv[1])
labels = sys.argv[2:4] or ["old", "new"]
rows = {}
for report in root.glob("fanout-*-*/nodes-*/rate-*/report.json"):
    label = report.parts[-4].split("-")[1]
    r = json.loads(report.read_text())
    cpu = sum(p.get("cpuMeanPercent", 0) for n, p in r["processes"].items() if n.startswith("gw"))
    rows.setdefault((report.parts[-3], r["deliveriesPerSecond"]), {}).setdefault(label, []).append(
        (r["latencyMs"]["p50"], r["latencyMs"]["p99"], cpu, r["lost"]))
a, b = labels
print(f"| topology | deliveries/s | p50 ms {a} | p50 ms {b} | p99 ms {a} (runs) | p99 ms {b} (runs) | p99 bound max(2 ms, 20 %) | gateways CPU % {a} | {b} | lost |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for (topology, rate), by in sorted(rows.items()):
    med = lambda label, i: statistics.median(x[i] for x in by.get(label, [(0, 0, 0, 0)]))
    runs = lambda label: ", ".join(str(x[1]) for x in by.get(label, []))
    bound = med(a, 1) + max(2.0, 0.2 * med(a, 1))
    ok = "yes" if med(b, 1) <= bound else "NO"
    lost = sum(x[3] for label in by for x in by[label])
    print(f"| {topology} | {rate} | {med(a, 0):.2f} | {med(b, 0):.2f} | {med(a, 1):.2f} ({runs(a)}) | {med(b, 1):.2f} ({runs(b)}) "
          f"| {bound:.2f}: {ok} | {med(a, 2):.0f} | {med(b, 2):.0f} | {lost} |")
