#!/usr/bin/env python3
"""Messages/s and round trips/s over Node's IPC channel, parent and child of each kind, interleaved.

A system is a parent program and a child program: node_node (Node's fork + process.send, the
baseline), cpp_cpp, cpp_node (C++ parent, Node child) and node_cpp (Node parent, C++ child). The parent
starts the child with the channel, times itself and prints one JSON line with the CPU seconds of both
processes during the timed phase. The parent runs on CPU 0 and its child on CPU 1 (taskset). The C++
programs (channel_parent, channel_child in --bin) are used when they are built; a system whose
programs are missing is skipped with a note.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from run import human  # noqa: E402  (the workload benchmarks' number format)

SYSTEMS = ["node_node", "cpp_cpp", "cpp_node", "node_cpp"]
# workload: (messages, warmup)
WORKLOADS = {"stream": (200_000, 20_000), "roundtrip": (20_000, 2_000)}
UNITS = {"stream": "msg/s", "roundtrip": "rt/s"}
MODES = {  # divisor of the message counts (None: SMOKE's), repetitions, time bound of one run in seconds
    "full": (1, 3, 180),
    "quick": (10, 3, 60),
    "smoke": (None, 1, 30),
}
SMOKE = {"stream": 2_000, "roundtrip": 500}


def programs(bin_dir):
    """system -> (parent command, child command), for the systems whose programs exist."""
    node_parent = ["node", str(HERE / "node_parent.js")]
    node_child = ["node", str(HERE / "node_child.js")]
    cpp_parent = [str(bin_dir / "channel_parent")]
    cpp_child = [str(bin_dir / "channel_child")]
    pairs = {"node_node": (node_parent, node_child), "cpp_cpp": (cpp_parent, cpp_child),
             "cpp_node": (cpp_parent, node_child), "node_cpp": (node_parent, cpp_child)}
    built = lambda command: command[0] == "node" or Path(command[0]).exists()
    return {s: p for s, p in pairs.items() if built(p[0]) and built(p[1])}


def counts(workload, mode):
    messages, warmup = WORKLOADS[workload]
    divisor = MODES[mode][0]
    if divisor is None:
        return SMOKE[workload], SMOKE[workload] // 10
    return messages // divisor, warmup // divisor


def run(parent, child, workload, mode):
    messages, warmup = counts(workload, mode)
    bound = MODES[mode][2]
    cpus = "1" if (os.cpu_count() or 1) >= 2 else "0"
    command = (["timeout", "-k", "3", str(bound), "taskset", "-c", "0"] + parent +
               ["--workload", workload, "--messages", str(messages), "--warmup", str(warmup),
                "--child-cpu", cpus, "--"] + child)
    done = subprocess.run(command, capture_output=True, text=True, timeout=bound + 10)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"exit {done.returncode}: {done.stderr.strip()[-400:]}")
    result = json.loads(lines[-1])
    if result["count"] != messages:
        raise RuntimeError(f"counted {result['count']} of {messages}")
    return result


def tables(results, systems):
    out = ["Medians ± half the spread (max−min) in % of the median.",
           f"| cell | {' | '.join(systems)} |", "|---" * (len(systems) + 1) + "|"]
    rates, cpu = {}, {}
    for (w, s), runs in results.items():
        values = [r["count"] / r["seconds"] for r in runs]
        rates[(w, s)] = (statistics.median(values), min(values), max(values))
        # CPU seconds per million messages, parent + child, as workloads.md counts them.
        cpu[(w, s)] = tuple(statistics.median([r[k] / r["count"] * 1e6 for r in runs])
                            for k in ("cpu_parent_s", "cpu_child_s"))
    for w in WORKLOADS:
        cell = lambda s: (f"{human(rates[(w, s)][0])} ±{50 * (rates[(w, s)][2] - rates[(w, s)][1]) / rates[(w, s)][0]:.0f}%"
                          if (w, s) in rates else "-")
        out.append(f"| {w} ({UNITS[w]}) | " + " | ".join(cell(s) for s in systems) + " |")
    out += ["", "CPU seconds per million messages (medians), parent + child.",
            f"| cell | {' | '.join(systems)} |", "|---" * (len(systems) + 1) + "|"]
    for w in WORKLOADS:
        cell = lambda s: f"{cpu[(w, s)][0]:.3g} + {cpu[(w, s)][1]:.3g}" if (w, s) in cpu else "-"
        out.append(f"| {w} | " + " | ".join(cell(s) for s in systems) + " |")
    others = [s for s in systems if s != "node_node"]
    if "node_node" in systems and others:
        out += ["", "Rates as ratios of node_node's (higher is better).",
                f"| cell | {' | '.join(others)} |", "|---" * (len(others) + 1) + "|"]
        for w in WORKLOADS:
            ratio = lambda s: (f"{rates[(w, s)][0] / rates[(w, 'node_node')][0]:.2f}"
                               if (w, s) in rates and (w, "node_node") in rates else "-")
            out.append(f"| {w} | " + " | ".join(ratio(s) for s in others) + " |")
    return "\n".join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--bin", default="", help="directory of channel_parent and channel_child")
    p.add_argument("--mode", choices=MODES, default="full")
    p.add_argument("--systems", default=",".join(SYSTEMS))
    p.add_argument("--workloads", default=",".join(WORKLOADS))
    args = p.parse_args()
    available = programs(Path(args.bin))
    wanted = args.systems.split(",")
    systems = [s for s in wanted if s in available]
    missing = [s for s in wanted if s not in available]
    if missing:
        print(f"not built, skipped: {', '.join(missing)}", file=sys.stderr)
    workloads = args.workloads.split(",")
    reps = MODES[args.mode][1]

    # Every repetition runs each workload for every system, the order of the systems rotated.
    plan = [(rep, w, s) for rep in range(reps) for w in workloads
            for s in systems[rep % len(systems):] + systems[:rep % len(systems)]]
    results, failures = {}, []
    started = time.monotonic()
    for rep, w, s in plan:
        try:
            results.setdefault((w, s), []).append(run(*available[s], w, args.mode))
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            failures.append(f"{s} {w} rep {rep + 1}: {e}")
            print(f"FAILED {failures[-1]}", file=sys.stderr)

    print(tables(results, systems))
    expected = {(w, s) for w in workloads for s in systems}
    print(f"\n{args.mode} run: {time.monotonic() - started:.0f} s")
    print(f"channel benchmarks: {len(set(results) & expected)} passed, {len(expected - set(results))} failed")
    if failures or set(results) != expected:
        print(f"{len(failures)} run(s) failed:\n  " + "\n  ".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
