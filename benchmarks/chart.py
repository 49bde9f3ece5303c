#!/usr/bin/env python3
"""Draws results.csv (from run.py) as an SVG: grouped bars per workload and transport, one color per
system, each median relative to the raw floor of the same cell (latencies inverted, so higher is
always better), on a log scale.

usage: chart.py results.csv results.svg
"""
import csv
import math
import sys
from collections import defaultdict

COLORS = {"raw": "#7f7f7f", "raw1": "#bcbcbc", "zmq": "#d62728", "ipcxx": "#1f77b4",
          "ipcxx_json": "#6baed6", "nodeipc": "#2ca02c"}
LOW, HIGH = 1e-3, 10.0  # the log axis: 0.001 x raw to 10 x raw


def main(src, dst):
    rows = list(csv.DictReader(open(src)))
    systems = [s for s in COLORS if any(r["system"] == s for r in rows)]
    cells = []
    value = defaultdict(dict)  # (workload, transport) -> system -> relative to raw
    for r in rows:
        key = (r["workload"], r["transport"])
        if key not in cells:
            cells.append(key)
    for key in cells:
        medians = {r["system"]: float(r["median"]) for r in rows if (r["workload"], r["transport"]) == key}
        higher = next(r["higher_is_better"] == "1" for r in rows if (r["workload"], r["transport"]) == key)
        base = medians.get("raw")
        for s, m in medians.items():
            if base and m > 0:
                value[key][s] = m / base if higher else base / m

    bar, gap, left, top, height = 9, 14, 60, 40, 300
    group = bar * len(systems) + gap
    width = left + group * len(cells) + 20
    y = lambda v: top + height * (1 - (math.log10(min(max(v, LOW), HIGH)) - math.log10(LOW))
                                  / (math.log10(HIGH) - math.log10(LOW)))
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{top + height + 75}" '
           f'font-family="sans-serif" font-size="11">',
           f'<text x="{left}" y="20" font-size="14">ipcxx benchmarks: median relative to raw in the same cell '
           f'(higher is better; W2/W2c inverted latency; log scale)</text>']
    for exp in range(round(math.log10(LOW)), round(math.log10(HIGH)) + 1):
        v = 10.0 ** exp
        svg.append(f'<line x1="{left}" x2="{width - 20}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                   f'stroke="{"#000" if v == 1 else "#ddd"}"/>')
        svg.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:g}</text>')
    for i, key in enumerate(cells):
        x0 = left + i * group + gap / 2
        for j, s in enumerate(systems):
            if s not in value[key]:
                continue
            v = value[key][s]
            top_y, base_y = sorted((y(v), y(1.0)))
            svg.append(f'<rect x="{x0 + j * bar:.1f}" y="{top_y:.1f}" width="{bar - 1}" '
                       f'height="{max(base_y - top_y, 1):.1f}" fill="{COLORS[s]}"><title>{s} {key[0]} {key[1]}: '
                       f'{v:.3g} x raw</title></rect>')
        cx = x0 + bar * len(systems) / 2
        svg.append(f'<text x="{cx:.1f}" y="{top + height + 16}" text-anchor="middle">{key[0]}</text>')
        svg.append(f'<text x="{cx:.1f}" y="{top + height + 30}" text-anchor="middle" fill="#555">{key[1]}</text>')
    for j, s in enumerate(systems):
        lx = left + j * 120 + (60 if j else 0)
        svg.append(f'<rect x="{lx}" y="{top + height + 50}" width="12" height="12" fill="{COLORS[s]}"/>')
        label = "raw (= 1, the black line)" if s == "raw" else s
        svg.append(f'<text x="{lx + 16}" y="{top + height + 60}">{label}</text>')
    svg.append("</svg>")
    open(dst, "w").write("\n".join(svg) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
