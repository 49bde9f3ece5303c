#!/usr/bin/env python3
"""The bus's rates beside redis-benchmark's pipelined XADD, on one redis-server of its own.

What each cell measures (every system is a process of its own; redis-server pinned to CPU 0, the
client to CPU 1 as workloads.md does):
  xadd -c 50   redis-benchmark, 50 connections x 64 pipelined XADDs of the bus's entry shape: the
               engine's own ceiling for appending (redis-server at 100 % of its CPU).
  xadd -c 1    the same on one connection with 64 in flight: what one pipelining producer gets.
  emit         bus_bench --mode emit: a producer bus emits N events of 64 bytes, a consumer bus in the
               same process (batch 512) handles them, from the first emit to the last handler call.
               Redis does more per event than a bare XADD: the XADD, a share of an XREADGROUP and of
               a batched XACK, and the pending-entries list.
  request K    bus_bench --mode request: round trips with K requests in flight.
Beside each rate: CPU seconds of the client process (RUSAGE_CHILDREN) and of redis-server
(/proc/PID/stat), and the commands Redis ran per message (INFO commandstats, reset before each cell),
so that a ratio bounded by redis-server's own CPU shows as such. Cells interleave, the order rotated
each repetition; medians are printed.

--smoke runs a few thousand messages once and exits 1 when a count is wrong (every program checks its
own counts; this script checks the XADDs Redis ran and the stream's length against them).

Usage: python3 benchmarks/bus/run.py --bin BUILD/benchmarks/bin [--messages N] [--reps R] [--smoke]
"""
import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PAYLOAD = "x" * 66  # a 64-byte string body as msgpack, the size of the bus's data field


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def proc_cpu(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cli(socket, *args):
    return subprocess.run(["redis-cli", "-s", socket, *args], capture_output=True, text=True, check=True).stdout


def command_calls(socket):
    """Calls per command since the last CONFIG RESETSTAT, from INFO commandstats."""
    calls = {}
    for match in re.finditer(r"cmdstat_([a-z|]+):calls=(\d+)", cli(socket, "INFO", "commandstats")):
        calls[match.group(1)] = int(match.group(2))
    return calls


def wait_for(socket, deadline):
    while time.monotonic() < deadline:
        if os.path.exists(socket) and subprocess.run(["redis-cli", "-s", socket, "PING"], capture_output=True,
                                                     text=True).stdout.strip() == "PONG":
            return
        time.sleep(0.05)
    sys.exit("run.py: redis-server did not answer in time")


def pinned(cpu, command):
    return (["taskset", "-c", str(cpu)] if cpu is not None and shutil.which("taskset") else []) + command


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="the directory holding bus_bench")
    parser.add_argument("--messages", type=int, default=200000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="a few thousand messages, once; fails on wrong counts")
    parser.add_argument("--no-pin", action="store_true", help="leave the processes unpinned")
    args = parser.parse_args()
    if args.smoke:
        args.messages, args.reps = 4000, 1
    redis_cpu_id, client_cpu_id = (None, None) if args.no_pin or os.cpu_count() < 2 else (0, 1)
    bench = os.path.join(args.bin, "bus_bench")
    work = tempfile.mkdtemp(prefix="ipcxx-bus-bench-")
    socket = os.path.join(work, "redis.sock")
    server = subprocess.Popen(pinned(redis_cpu_id, ["redis-server", "--port", "0", "--unixsocket", socket, "--save", "",
                                                    "--appendonly", "no", "--dir", work]), stdout=subprocess.DEVNULL)
    n = args.messages
    xadd = ["XADD", "floor", "MAXLEN", "~", "1000000", "*", "kind", "event", "event", "tick", "data", PAYLOAD]
    # name -> (command, messages, how to read the rate from its output, unit)
    cells = {
        "redis-benchmark XADD -P 64 -c 50": (["redis-benchmark", "-s", socket, "-n", str(n), "-P", "64", "-c", "50",
                                              "-q", *xadd], n, None, "XADD/s"),
        "redis-benchmark XADD -P 64 -c 1": (["redis-benchmark", "-s", socket, "-n", str(n), "-P", "64", "-c", "1",
                                             "-q", *xadd], n, None, "XADD/s"),
        "ipcxx bus emit -> handle": ([bench, "--redis", "unix://" + socket, "--mode", "emit", "--messages", str(n)], n,
                                     "events_per_s", "events/s"),
        "ipcxx bus request, 1 in flight": ([bench, "--redis", "unix://" + socket, "--mode", "request", "--messages",
                                            str(n // 20), "--inflight", "1"], n // 20, "round_trips_per_s", "rt/s"),
        "ipcxx bus request, 16 in flight": ([bench, "--redis", "unix://" + socket, "--mode", "request", "--messages",
                                             str(n // 4), "--inflight", "16"], n // 4, "round_trips_per_s", "rt/s"),
    }
    names = list(cells)
    runs = {name: [] for name in names}
    failures = []
    try:
        wait_for(socket, time.monotonic() + 10)
        for rep in range(args.reps):
            order = names[rep % len(names):] + names[:rep % len(names)]
            for name in order:
                command, count, key, unit = cells[name]
                cli(socket, "FLUSHALL")
                cli(socket, "CONFIG", "RESETSTAT")
                cpu_before, redis_before = children_cpu(), proc_cpu(server.pid)
                done = subprocess.run(pinned(client_cpu_id, command), capture_output=True, text=True, timeout=900)
                client_cpu, redis_cpu = children_cpu() - cpu_before, proc_cpu(server.pid) - redis_before
                if done.returncode != 0:
                    failures.append(f"{name}: exit {done.returncode}: {done.stderr.strip()[-300:]}")
                    continue
                calls = command_calls(socket)
                for admin in ("flushall", "config|resetstat", "info", "config"):
                    calls.pop(admin, None)
                if key is None:
                    rate = float(re.search(r"([0-9.]+) requests per second", done.stdout).group(1))
                else:
                    rate = json.loads(done.stdout.strip().splitlines()[-1])[key]
                stream = "floor" if key is None else "ipcxx:bus:{bench}:events"
                length = int(cli(socket, "XLEN", stream).strip() or 0)
                # redis-benchmark rounds its count up to whole pipelines; the bus must append exactly.
                exact = key == "events_per_s"
                if calls.get("xadd", 0) < count or (exact and (length != count or calls["xadd"] != count)):
                    failures.append(f"{name}: {count} messages, but Redis ran {calls.get('xadd', 0)} XADDs and the "
                                    f"stream holds {length}")
                runs[name].append({"rate": rate, "client_cpu": client_cpu, "redis_cpu": redis_cpu, "count": count,
                                   "calls": calls})
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    print(f"{n} messages (requests: 1/20 and 1/4 of that), {args.reps} repetition(s), medians; "
          f"load average {os.getloadavg()[0]:.1f}")
    print("| cell | rate | rates of each run | client CPU µs/msg | redis CPU µs/msg | Redis commands/msg |")
    print("|---|---|---|---|---|---|")
    for name in names:
        rows = runs[name]
        if not rows:
            continue
        unit = cells[name][3]
        med = lambda f: statistics.median(f(r) for r in rows)
        per_msg = {cmd: calls / rows[0]["count"] for cmd, calls in rows[0]["calls"].items()}
        mix = ", ".join(f"{cmd} {v:.3g}" for cmd, v in sorted(per_msg.items(), key=lambda kv: -kv[1]))
        print(f"| {name} | {med(lambda r: r['rate']):,.0f} {unit} | "
              f"{' / '.join(format(r['rate'], ',.0f') for r in rows)} | "
              f"{med(lambda r: r['client_cpu'] / r['count'] * 1e6):.2f} | "
              f"{med(lambda r: r['redis_cpu'] / r['count'] * 1e6):.2f} | {mix} |")
    for failure in failures:
        print("FAILED: " + failure, file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
