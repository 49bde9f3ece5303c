#!/usr/bin/env python3
"""The bus's rates beside redis-benchmark's pipelined XADD, on one redis-server of its own.

Starts redis-server on a Unix socket in a temporary directory (no persistence), then runs in turn:
redis-benchmark pipelined XADD (the engine's floor for emits), bus_bench --mode emit (emit -> handle),
and bus_bench --mode request with 1 and 16 requests in flight. For each: the rate, the CPU seconds of
the client process(es) and of redis-server during that run.

Usage: python3 benchmarks/bus/run.py --bin BUILD/benchmarks/bin [--messages N]
"""
import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def redis_cpu(socket):
    info = subprocess.run(["redis-cli", "-s", socket, "INFO", "cpu"], capture_output=True, text=True, check=True).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    return float(fields["used_cpu_sys"]) + float(fields["used_cpu_user"])


def wait_for(socket, deadline):
    while time.monotonic() < deadline:
        if os.path.exists(socket):
            ping = subprocess.run(["redis-cli", "-s", socket, "PING"], capture_output=True, text=True)
            if ping.stdout.strip() == "PONG":
                return
        time.sleep(0.05)
    sys.exit("run.py: redis-server did not answer in time")


def measured(socket, command):
    """Runs `command`, returning its stdout, its CPU seconds and redis-server's."""
    cpu_before, redis_before = children_cpu(), redis_cpu(socket)
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return out, children_cpu() - cpu_before, redis_cpu(socket) - redis_before


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True, help="the directory holding bus_bench")
    parser.add_argument("--messages", type=int, default=200000)
    args = parser.parse_args()
    bench = os.path.join(args.bin, "bus_bench")
    work = tempfile.mkdtemp(prefix="ipcxx-bus-bench-")
    socket = os.path.join(work, "redis.sock")
    server = subprocess.Popen(["redis-server", "--port", "0", "--unixsocket", socket, "--save", "", "--appendonly",
                               "no", "--dir", work], stdout=subprocess.DEVNULL)
    try:
        wait_for(socket, time.monotonic() + 10)
        url = "unix://" + socket
        rows = []
        out, cpu, rcpu = measured(socket, ["redis-benchmark", "-s", socket, "-n", str(args.messages), "-P", "64", "-q",
                                          "XADD", "floor", "MAXLEN", "~", "1000000", "*", "kind", "event", "event",
                                          "tick", "data", "x" * 66])
        rate = float(re.search(r"([0-9.]+) requests per second", out).group(1))
        rows.append({"system": "redis-benchmark XADD -P 64", "rate": rate, "unit": "XADD/s", "client_cpu": cpu,
                     "redis_cpu": rcpu})
        cells = [("emit", 1, args.messages, "events_per_s", "emit -> handle"),
                 ("request", 1, args.messages // 10, "round_trips_per_s", "request, 1 in flight"),
                 ("request", 16, args.messages // 4, "round_trips_per_s", "request, 16 in flight")]
        for mode, inflight, count, key, name in cells:
            out, cpu, rcpu = measured(socket, [bench, "--redis", url, "--mode", mode, "--messages", str(count),
                                              "--inflight", str(inflight)])
            result = json.loads(out.strip().splitlines()[-1])
            rows.append({"system": "ipcxx bus " + name, "rate": result[key], "unit": key.replace("_per_s", "/s"),
                         "client_cpu": cpu, "redis_cpu": rcpu, "messages": count})
        for row in rows:
            print(json.dumps(row))
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
