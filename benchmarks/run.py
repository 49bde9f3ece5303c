#!/usr/bin/env python3
"""Runs the workloads of README.md for every system, interleaved, and prints one table.

Each run starts <system>_server, waits for its "ready" line, then runs <system>_client, which times
itself and prints one JSON line. Both are pinned with taskset, bounded by timeout, and measured by
/usr/bin/time (peak RSS) and by wait4 (CPU time, user + system, of each process and its children).
Called by scripts/bench.sh, which builds what this needs.
"""
import argparse
import csv
import json
import os
import random
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SYSTEMS = ["raw", "raw1", "zmq", "ipcxx", "ipcxx_poll0", "ipcxx_json", "ipcxx_str", "nodeipc"]
TRANSPORTS = ["tcp", "unix"]

# workload: (messages, warmup, size, inflight, clients), from workloads.md
CELLS = {
    "W1": (200_000, 20_000, 64, 64, 1),
    "W2": (20_000, 2_000, 64, 1, 1),
    "W2c": (20_000, 2_000, 64, 1, 1),
    "W3s": (1_000_000, 100_000, 64, 1, 1),
    "W3b": (2_000, 200, 1 << 20, 1, 1),
    "W4": (10_000, 1_000, 64, 1, 100),
    "W4s": (10_000, 1_000, 64, 1, 100),
    "P1k": (10_000, 1_000, 64, 1, 1),
    "P10k": (100_000, 10_000, 64, 1, 1),
}
# The paced workloads: requests per second on an absolute schedule (10 s timed after 1 s of warm-up).
RATES = {"P1k": 1_000, "P10k": 10_000}
PACED_SYSTEMS_SKIPPED = {"nodeipc"}  # its client has no schedule
# W4s (W4 beside one subscriber that never reads) is run for ZeroMQ and ipcxx only.
STUCK_SYSTEMS = {"zmq", "ipcxx", "ipcxx_json", "ipcxx_poll0"}
# ipcxx_str differs from ipcxx only in how W3b's 1 MiB body is handed over (a plain std::string).
STRING_BODY_WORKLOADS = {"W3b"}


def skipped(workload, system):
    """Whether a cell is not run: a system without what the workload needs, or one that adds nothing there."""
    return ((workload in RATES and system in PACED_SYSTEMS_SKIPPED)
            or (workload == "W4s" and system not in STUCK_SYSTEMS)
            or (system == "ipcxx_str" and workload not in STRING_BODY_WORKLOADS))
# metric name, unit, how to get it from the client's JSON line, higher is better
METRICS = {
    "W1": ("round trips/s", "rt/s", lambda r: r["count"] / r["seconds"], True),
    "W2": ("p50", "us", lambda r: r["p50_us"], False),
    "W2c": ("p50", "us", lambda r: r["p50_us"], False),
    "W3s": ("messages/s", "msg/s", lambda r: r["count"] / r["seconds"], True),
    "W3b": ("MB/s", "MB/s", lambda r: r["bytes"] / r["seconds"] / 1e6, True),
    "W4": ("deliveries/s", "deliv/s", lambda r: r["count"] / r["seconds"], True),
    "W4s": ("deliveries/s", "deliv/s", lambda r: r["count"] / r["seconds"], True),
    "P1k": ("p50", "us", lambda r: r["p50_us"], False),
    "P10k": ("p50", "us", lambda r: r["p50_us"], False),
}
# What one unit of a cell's CPU figure is: CPU seconds per million of these.
UNITS = {"W1": "round trips", "W2": "round trips", "W2c": "round trips", "W3s": "messages", "W3b": "messages",
         "W4": "deliveries", "W4s": "deliveries", "P1k": "requests", "P10k": "requests"}
MODES = {  # divisor of the message counts, repetitions, time bound of one process in seconds
    "full": (1, 3, 180),
    "quick": (10, 3, 60),
    "smoke": (None, 1, 30),
}
# Quick mode's own counts where a tenth is too short to measure: a tenth of W3b (200 MiB) passes in
# tens of milliseconds on loopback, and its ratios to raw spread by 33-45 % between runs.
QUICK = {"W3b": (1_000, 100)}
SMOKE = {"W1": 2_000, "W2": 1_000, "W2c": 1_000, "W3s": 5_000, "W3b": 20, "W4": 500, "W4s": 500, "P1k": 200, "P10k": 1_000}


# Systems whose server takes --io-threads (ipcxx's Config::io_threads, ZeroMQ's context threads).
THREADED = {"ipcxx", "ipcxx_json", "zmq"}


def cell_flags(workload, transport, endpoint, mode, clients_override=None):
    messages, warmup, size, inflight, clients = CELLS[workload]
    clients = clients_override or clients
    divisor = MODES[mode][0]
    if divisor is None:
        messages, warmup = SMOKE[workload], SMOKE[workload] // 10
    elif mode == "quick" and workload in QUICK:
        messages, warmup = QUICK[workload]
    else:
        messages, warmup = messages // divisor, warmup // divisor
    flags = dict(workload=workload, transport=transport, endpoint=endpoint, messages=messages,
                 warmup=warmup, size=size, inflight=inflight, clients=clients)
    if workload in RATES:
        flags["rate"] = RATES[workload]
    # Every message the processes handle, warm-up included, as the CPU time covers the whole run.
    units = (messages + warmup) * clients
    return [x for k, v in flags.items() for x in (f"--{k}", str(v))], units


class Runner:
    def __init__(self, args):
        self.bin = Path(args.bin)
        self.mode = args.mode
        self.bound = MODES[args.mode][2]
        self.tmp = Path(tempfile.mkdtemp(prefix="ipcxx-bench-"))
        # Servers take a TCP port below the kernel's ephemeral range, so that no client connection
        # holds it; a port another program holds anyway is retried with the next one (run()).
        self.port_low, self.port_high = 10000, ephemeral_low() - 2
        self.port = random.randrange(self.port_low, self.port_high, 2)
        cpus = os.cpu_count() or 1
        self.server_cpu, self.client_cpu = ("0", "1") if cpus >= 2 else ("0", "0")
        self.clients = args.clients
        self.io_threads = args.io_threads
        # A server on N I/O threads gets N CPUs (the client's among them when there are no more).
        self.threaded_server_cpu = f"0-{min(args.io_threads, cpus) - 1}" if args.io_threads > 1 else self.server_cpu

    def program(self, system, side):
        if system == "nodeipc":
            return ["node", str(HERE / "node" / f"nodeipc_{side}.js")]
        return [str(self.bin / f"{system}_{side}")]

    def command(self, system, side, cpu, flags, rss_file):
        return (["timeout", "-k", "3", str(self.bound), "/usr/bin/time", "-f", "%M", "-o", str(rss_file),
                 "taskset", "-c", cpu] + self.program(system, side) + flags)

    def endpoint(self, system, workload, transport):
        if transport == "tcp":
            # ZeroMQ's W4 also takes port + 1.
            self.port = self.port + 2 if self.port + 2 < self.port_high else self.port_low
            return f"127.0.0.1:{self.port}"
        return str(self.tmp / f"{system}-{workload}.sock")

    def run(self, system, workload, transport):
        """One server + client run: a dict of the client's JSON result, each process's peak RSS (kB) and
        CPU time (s), and the count of messages handled; or raises."""
        for attempt in range(5):
            try:
                return self.run_once(system, workload, transport)
            except AddressInUse:
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")

    def run_once(self, system, workload, transport):
        flags, units = cell_flags(workload, transport, self.endpoint(system, workload, transport), self.mode,
                                  self.clients)
        server_cpu = self.client_cpu if workload == "W2c" else self.server_cpu
        server_flags = flags
        if system in THREADED and self.io_threads > 1:
            server_flags = flags + ["--io-threads", str(self.io_threads)]
            server_cpu = self.threaded_server_cpu
        srss, crss, serr = self.tmp / "server.rss", self.tmp / "client.rss", self.tmp / "server.err"
        cout, cerr = self.tmp / "client.out", self.tmp / "client.err"
        with open(serr, "w") as err:
            server = subprocess.Popen(self.command(system, "server", server_cpu, server_flags, srss),
                                      stdout=subprocess.PIPE, stderr=err, text=True)
        try:
            if not select.select([server.stdout], [], [], 15)[0] or server.stdout.readline().strip() != "ready":
                wait_cpu(server, 15)
                reason = serr.read_text().strip()
                if "in use" in reason.lower():
                    raise AddressInUse(reason)
                raise RuntimeError("server not ready: " + reason)
            with open(cout, "w") as out, open(cerr, "w") as err:
                client = subprocess.Popen(self.command(system, "client", self.client_cpu, flags, crss),
                                          stdout=out, stderr=err, text=True)
            client_cpu = wait_cpu(client, self.bound + 10)
            lines = [l for l in cout.read_text().splitlines() if l.startswith("{")]
            if client.returncode != 0 or not lines:
                raise RuntimeError(f"client exit {client.returncode}: {cerr.read_text().strip()[-400:]}")
            server_cpu = wait_cpu(server, 15)
            if server.returncode != 0:
                raise RuntimeError(f"server exit {server.returncode}: {serr.read_text().strip()[-400:]}")
            return dict(result=json.loads(lines[-1]), rss_server_kb=rss_kb(srss), rss_client_kb=rss_kb(crss),
                        cpu_server_s=server_cpu, cpu_client_s=client_cpu, units=units)
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()


class AddressInUse(RuntimeError):
    pass


def wait_cpu(process, bound):
    """Reaps `process` within `bound` seconds (killing it after that) and returns the CPU seconds, user +
    system, that it and the descendants it waited for used: wait4 sees through timeout, time and taskset
    to the program, to the microsecond (where /usr/bin/time's %U and %S round to 10 ms)."""
    deadline = time.monotonic() + bound
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid == process.pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return usage.ru_utime + usage.ru_stime
        if time.monotonic() > deadline:
            process.kill()
            deadline = float("inf")  # the kill ends it: wait for that
        time.sleep(0.005)


def ephemeral_low():
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def rss_kb(path):
    # /usr/bin/time -o writes "Command exited with non-zero status ..." before the figure on failure.
    lines = path.read_text().split()
    return int(lines[-1]) if lines and lines[-1].isdigit() else 0


def human(v):
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if v >= div:
            return f"{v / div:.3g}{suffix}"
    return f"{v:.3g}"


def summarize(results):
    """(workload, transport, system) -> dict with median, min, max, p99/max medians, RSS maxima, and the
    medians of each process's CPU seconds per million messages."""
    rows = {}
    for key, runs in results.items():
        values = [METRICS[key[0]][2](r["result"]) for r in runs]
        per_million = lambda side: statistics.median([r[f"cpu_{side}_s"] / r["units"] * 1e6 for r in runs])
        rows[key] = dict(
            median=statistics.median(values), min=min(values), max=max(values), runs=len(values),
            p99_us=statistics.median([r["result"]["p99_us"] for r in runs]) if "p99_us" in runs[0]["result"] else "",
            max_us=statistics.median([r["result"]["max_us"] for r in runs]) if "max_us" in runs[0]["result"] else "",
            rss_server_mb=max(r["rss_server_kb"] for r in runs) / 1024,
            rss_client_mb=max(r["rss_client_kb"] for r in runs) / 1024,
            cpu_server_s_per_million=per_million("server"), cpu_client_s_per_million=per_million("client"),
            cpu_s_per_million=statistics.median([(r["cpu_server_s"] + r["cpu_client_s"]) / r["units"] * 1e6
                                                 for r in runs]))
    return rows


def cpu_ratio(rows, workload, transport, a, b):
    """CPU per message of system a over system b in one cell; None where either is missing."""
    ra, rb = rows.get((workload, transport, a)), rows.get((workload, transport, b))
    if not ra or not rb or rb["cpu_s_per_million"] == 0:
        return None
    return ra["cpu_s_per_million"] / rb["cpu_s_per_million"]


def ratio(rows, workload, transport, a, b):
    if (workload, transport, a) not in rows or (workload, transport, b) not in rows:
        return None
    return rows[(workload, transport, a)]["median"] / rows[(workload, transport, b)]["median"]


def table(rows, systems):
    out = []
    cell = lambda r: f"{human(r['median'])} ±{50 * (r['max'] - r['min']) / r['median']:.0f}%" if r else "-"
    out.append("Medians ± half the spread (max−min) in % of the median; W2/W2c: p50 µs per round trip.")
    out.append(f"| cell | {' | '.join(systems)} |")
    out.append("|---" * (len(systems) + 1) + "|")
    measured = [w for w in CELLS if any(k[0] == w for k in rows)]
    for w in measured:
        for t in TRANSPORTS:
            unit = METRICS[w][1]
            out.append(f"| {w} {t} ({unit}) | " + " | ".join(cell(rows.get((w, t, s))) for s in systems) + " |")

    pairs = [(a, b) for a, b in [("ipcxx", "raw"), ("ipcxx", "raw1"), ("ipcxx", "zmq"), ("ipcxx", "nodeipc"),
                                 ("ipcxx_json", "nodeipc"), ("ipcxx_str", "raw")] if a in systems and b in systems]
    out.append("")
    out.append("Ratios of medians (W2/W2c: latency ratio, lower is better; others: higher is better).")
    out.append("| cell | " + " | ".join(f"{a}/{b}" for a, b in pairs) + " |")
    out.append("|---" * (len(pairs) + 1) + "|")
    for w in measured:
        for t in TRANSPORTS:
            rs = [ratio(rows, w, t, a, b) for a, b in pairs]
            out.append(f"| {w} {t} | " + " | ".join("-" if r is None else f"{r:.2f}" for r in rs) + " |")

    out.append("")
    out.append("Peak RSS MB, server / client (max over runs): W1, and the largest of any workload.")
    out.append("| system | W1 | any |")
    out.append("|---|---|---|")
    for s in systems:
        w1 = [rows[k] for k in rows if k[0] == "W1" and k[2] == s]
        every = [rows[k] for k in rows if k[2] == s]
        if not every:
            continue
        fmt = lambda rs: (f"{max(r['rss_server_mb'] for r in rs):.1f} / {max(r['rss_client_mb'] for r in rs):.1f}"
                          if rs else "-")
        out.append(f"| {s} | {fmt(w1)} | {fmt(every)} |")

    out.append("")
    out.append("CPU seconds per million messages (W1/W2/W2c: round trips, W4: deliveries, P: requests), user + "
               "system of server + client, warm-up included; median. ! marks where ipcxx's exceeds ZeroMQ's.")
    out.append(f"| cell | {' | '.join(systems)} |")
    out.append("|---" * (len(systems) + 1) + "|")
    for w in measured:
        for t in TRANSPORTS:
            over = (cpu_ratio(rows, w, t, "ipcxx", "zmq") or 0) > 1
            cpu = lambda s: (f"{rows[(w, t, s)]['cpu_s_per_million']:.3g}" + (" !" if s == "ipcxx" and over else "")
                             if (w, t, s) in rows else "-")
            out.append(f"| {w} {t} | " + " | ".join(cpu(s) for s in systems) + " |")

    paced = [(w, t, s) for w in RATES for t in TRANSPORTS for s in systems if (w, t, s) in rows]
    if paced:
        out.append("")
        out.append("Paced requests: CPU µs per request (server, client, both) and latency µs (medians).")
        out.append("| cell | system | server | client | both | p50 | p99 |")
        out.append("|---|---|---|---|---|---|---|")
        for w, t, s in paced:
            r = rows[(w, t, s)]
            out.append(f"| {w} {t} | {s} | {r['cpu_server_s_per_million']:.1f} | {r['cpu_client_s_per_million']:.1f} | "
                       f"{r['cpu_s_per_million']:.1f} | {r['median']:.1f} | {r['p99_us']:.1f} |")
    return "\n".join(out)


def targets(rows):
    """The bar of workloads.md, checked against this session's ratios."""
    checks = []
    for t in TRANSPORTS:
        checks += [(f"W1 {t}: ipcxx >= 1.2 x zmq", ratio(rows, "W1", t, "ipcxx", "zmq"), lambda r: r >= 1.2),
                   (f"W2c {t}: ipcxx p50 <= 2 x raw", ratio(rows, "W2c", t, "ipcxx", "raw"), lambda r: r <= 2),
                   (f"W3s {t}: ipcxx >= 1.0 x zmq", ratio(rows, "W3s", t, "ipcxx", "zmq"), lambda r: r >= 1.0),
                   (f"W3b {t}: ipcxx >= 0.8 x raw", ratio(rows, "W3b", t, "ipcxx", "raw"), lambda r: r >= 0.8),
                   (f"W3b {t}: ipcxx_str >= 0.9 x raw", ratio(rows, "W3b", t, "ipcxx_str", "raw"),
                    lambda r: r >= 0.9),
                   (f"W4 {t}: ipcxx >= 2 x zmq", ratio(rows, "W4", t, "ipcxx", "zmq"), lambda r: r >= 2),
                   (f"W1 {t}: ipcxx_json >= 2 x nodeipc", ratio(rows, "W1", t, "ipcxx_json", "nodeipc"), lambda r: r >= 2),
                   (f"W3s {t}: ipcxx_json >= 2 x nodeipc", ratio(rows, "W3s", t, "ipcxx_json", "nodeipc"),
                    lambda r: r >= 2)]
    for w in CELLS:
        for t in TRANSPORTS:
            checks.append((f"{w} {t}: ipcxx CPU per message <= zmq", cpu_ratio(rows, w, t, "ipcxx", "zmq"),
                           lambda r: r <= 1))
    for w in RATES:
        for t in TRANSPORTS:
            checks += [(f"{w} {t}: ipcxx CPU per request <= 1.2 x ipcxx_poll0",
                        cpu_ratio(rows, w, t, "ipcxx", "ipcxx_poll0"), lambda r: r <= 1.2),
                       (f"{w} {t}: ipcxx p50 <= ipcxx_poll0", ratio(rows, w, t, "ipcxx", "ipcxx_poll0"),
                        lambda r: r <= 1)]
    rss = [max(rows[k]["rss_server_mb"], rows[k]["rss_client_mb"]) for k in rows if k[0] == "W1" and k[2] == "ipcxx"]
    checks.append(("W1: ipcxx peak RSS <= 8 MB per process", max(rss) if rss else None, lambda r: r <= 8))
    lines = ["Targets (workloads.md):"]
    for name, value, ok in checks:
        verdict = "n/a" if value is None else ("met" if ok(value) else "MISSED")
        lines.append(f"  {verdict:7} {name}" + ("" if value is None else f"  ({value:.2f})"))
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--bin", required=True, help="directory of the <system>_server/_client programs")
    p.add_argument("--out", required=True, help="directory for results.csv and results.svg")
    p.add_argument("--mode", choices=MODES, default="full")
    p.add_argument("--systems", default=",".join(SYSTEMS))
    p.add_argument("--workloads", default=",".join(CELLS))
    p.add_argument("--clients", type=int, default=None,
                   help="connections per cell instead of the workload's (W1 with 8, W4 with 1000)")
    p.add_argument("--io-threads", type=int, default=1,
                   help="I/O threads of the ipcxx and ZeroMQ servers (pinned to as many CPUs)")
    args = p.parse_args()
    runner = Runner(args)
    systems = [s for s in args.systems.split(",") if s == "nodeipc" or (runner.bin / f"{s}_server").exists()]
    missing = sorted(set(args.systems.split(",")) - set(systems))
    if missing:
        print(f"not built, skipped: {', '.join(missing)}", file=sys.stderr)
    workloads = args.workloads.split(",")
    reps = MODES[args.mode][1]

    results, failures = {}, []
    started = time.monotonic()
    for rep in range(reps):
        order = systems[rep % len(systems):] + systems[:rep % len(systems)]  # rotated each repetition
        for w in workloads:
            for t in TRANSPORTS:
                for s in order:
                    if skipped(w, s):
                        continue
                    try:
                        result = runner.run(s, w, t)
                        results.setdefault((w, t, s), []).append(result)
                    except (RuntimeError, subprocess.TimeoutExpired) as e:
                        failures.append(f"{s} {w} {t} rep {rep + 1}: {e}")
                        print(f"FAILED {failures[-1]}", file=sys.stderr)
        print(f"repetition {rep + 1}/{reps} done after {time.monotonic() - started:.0f} s", file=sys.stderr)

    rows = summarize(results)
    print(table(rows, systems))
    if args.mode != "smoke":  # smoke counts are too small for the figures to mean anything
        print()
        print(targets(rows))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "results.csv", "w", newline="") as f:
        fields = ["workload", "transport", "system", "metric", "unit", "higher_is_better", "median", "min", "max",
                  "runs", "p99_us", "max_us", "rss_server_mb", "rss_client_mb", "cpu_unit", "cpu_s_per_million",
                  "cpu_server_s_per_million", "cpu_client_s_per_million"]
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for (w, t, s), r in rows.items():
            writer.writerow(dict(workload=w, transport=t, system=s, metric=METRICS[w][0], unit=METRICS[w][1],
                                 higher_is_better=int(METRICS[w][3]), cpu_unit=UNITS[w], **r))
    subprocess.run([sys.executable, str(HERE / "chart.py"), str(out / "results.csv"), str(out / "results.svg")],
                   check=True)
    print(f"\n{args.mode} run: {time.monotonic() - started:.0f} s; wrote {out / 'results.csv'} and {out / 'results.svg'}")

    expected = {(w, t, s) for w in workloads for t in TRANSPORTS for s in systems if not skipped(w, s)}
    cells_ok = len(set(results) & expected)
    print(f"benchmarks: {cells_ok} passed, {len(expected) - cells_ok} failed")
    if failures or set(results) != expected:
        print(f"{len(failures)} run(s) failed:\n  " + "\n  ".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
