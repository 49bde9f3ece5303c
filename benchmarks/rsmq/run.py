#!/usr/bin/env python3
"""Send + receive + delete rate of ipcxx::Rsmq (C++) against rsmq 0.12.4 (Node.js) on one redis-server.

Each system (a process of its own, pinned to CPU 1; redis-server on CPU 0) sends MESSAGES messages of
100 bytes to a fresh queue, then receives and deletes them, WINDOW operations in flight on one
connection (Node: WINDOW async workers, each awaiting its operation; C++: WINDOW callback chains), and
prints the seconds of both phases and its own CPU seconds. node_rsmq and cpp_rsmq_exact (ipcxx with
RsmqOptions::rsmq_commands) run rsmq's own command sequence (two round trips per send and per receive,
one per delete); cpp_rsmq, ipcxx's default, sends, receives and deletes the operations that wait on
the queue together, one batch script call each. run.py starts one redis-server of its own
(Unix socket in a temporary directory, no persistence), flushes it and resets its command counts
before each run, reads the server's CPU seconds from /proc around each run and its commands per
message from INFO commandstats, and checks that every run left its queue empty with every message
counted as sent and received once. Systems interleave, the order rotated each repetition, REPS times
each; a system whose program is missing is skipped with a note (but not in smoke mode, which fails).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODES = {"full": (50_000, 3), "quick": (5_000, 3), "smoke": (500, 1)}  # messages, repetitions


def proc_cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cli(socket, *args):
    return subprocess.run(["redis-cli", "-s", str(socket), *args], capture_output=True, text=True,
                          check=True).stdout


def command_calls(socket):
    calls = {}
    for line in cli(socket, "INFO", "commandstats").splitlines():
        if line.startswith("cmdstat_"):
            name, stats = line[len("cmdstat_"):].split(":", 1)
            calls[name] = int(stats.split(",")[0].split("=")[1])
    for admin in ("flushall", "config|resetstat", "info", "config", "script|load", "script"):
        calls.pop(admin, None)
    return calls


def count_problem(socket, queue, messages):
    """What is wrong with a finished run's queue, or None: it must be empty, sent and received once each."""
    left = int(cli(socket, "ZCARD", f"rsmq:{queue}").strip())
    sent, received = (cli(socket, "HMGET", f"rsmq:{queue}:Q", "totalsent", "totalrecv").split() + ["", ""])[:2]
    fields = int(cli(socket, "HLEN", f"rsmq:{queue}:Q").strip())
    if left or sent != str(messages) or received != str(messages) or fields != 7:
        return f"{left} messages left, totalsent {sent}, totalrecv {received}, {fields - 7} message fields left"
    return None


def pinned(cpu, command):
    return (["taskset", "-c", str(cpu)] if cpu is not None and shutil.which("taskset") else []) + command


def start_redis(directory, cpu):
    socket = Path(directory) / "redis.sock"
    server = subprocess.Popen(pinned(cpu, ["redis-server", "--port", "0", "--unixsocket", str(socket), "--save", "",
                               "--appendonly", "no", "--dir", directory]),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if socket.exists() and subprocess.run(["redis-cli", "-s", str(socket), "ping"], capture_output=True,
                                              text=True).stdout.strip() == "PONG":
            return server, socket
        time.sleep(0.05)
    server.kill()
    raise RuntimeError("redis-server did not start")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=MODES, default="full")
    parser.add_argument("--bin", type=Path, help="directory with bench_rsmq (a benchmark build)")
    parser.add_argument("--window", type=int, default=16)
    parser.add_argument("--no-pin", action="store_true", help="leave the processes unpinned")
    args = parser.parse_args()
    redis_cpu_id, client_cpu_id = (None, None) if args.no_pin or (os.cpu_count() or 1) < 2 else (0, 1)
    messages, reps = MODES[args.mode]
    if not shutil.which("redis-server"):
        sys.exit("run.py: redis-server not found")
    with tempfile.TemporaryDirectory() as directory:
        server, socket = start_redis(directory, redis_cpu_id)
        try:
            systems = {"node_rsmq": ["node", str(HERE / "bench_rsmq.js"), str(socket)]}
            cpp = args.bin / "bench_rsmq" if args.bin else None
            if cpp and cpp.exists():
                systems["cpp_rsmq"] = [str(cpp), f"unix://{socket}"]
                systems["cpp_rsmq_exact"] = [str(cpp), "--rsmq-commands", f"unix://{socket}"]
            elif args.mode == "smoke":
                sys.exit("run.py: bench_rsmq not built (--bin DIR)")
            else:
                print("note: bench_rsmq not built (--bin DIR): C++ skipped", file=sys.stderr)
            results = {name: [] for name in systems}
            names = list(systems)
            for rep in range(reps):
                for name in names[rep % len(names):] + names[:rep % len(names)]:
                    cli(socket, "flushall")
                    cli(socket, "config", "resetstat")
                    before = proc_cpu_seconds(server.pid)
                    queue = f"q{rep}"
                    done = subprocess.run(pinned(client_cpu_id, systems[name] + [queue, str(messages), str(args.window)]),
                                          capture_output=True, text=True, timeout=600)
                    redis_cpu = proc_cpu_seconds(server.pid) - before
                    if done.returncode != 0:
                        sys.exit(f"{name}: exit {done.returncode}: {done.stderr.strip()[-400:]}")
                    if problem := count_problem(socket, queue, messages):
                        sys.exit(f"{name}: {problem}")
                    result = json.loads(done.stdout.strip().splitlines()[-1])
                    result["redis_cpu_seconds"] = redis_cpu
                    result["calls"] = command_calls(socket)
                    results[name].append(result)
        finally:
            server.kill()
            server.wait()
    print(f"{messages} messages of 100 bytes, window {args.window}, {reps} run(s) each; medians; "
          f"load average {os.getloadavg()[0]:.1f}.")
    print("| system | send+receive+delete msg/s | runs | client CPU s / 1M msgs | redis-server CPU s / 1M msgs "
          "| Redis commands / msg | script calls / msg |")
    print("|---|---|---|---|---|---|---|")
    bounds = {}
    for name, runs in results.items():
        rate = statistics.median(r["count"] / (r["send_seconds"] + r["receive_seconds"]) for r in runs)
        client = statistics.median(r["cpu_seconds"] / r["count"] * 1e6 for r in runs)
        redis_cpu = statistics.median(r["redis_cpu_seconds"] / r["count"] * 1e6 for r in runs)
        each = " / ".join(format(r["count"] / (r["send_seconds"] + r["receive_seconds"]), ",.0f") for r in runs)
        commands = sum(runs[0]["calls"].values()) / runs[0]["count"]
        scripts = sum(runs[0]["calls"].get(c, 0) for c in ("evalsha", "eval")) / runs[0]["count"]
        print(f"| {name} | {rate:,.0f} | {each} | {client:.1f} | {redis_cpu:.1f} | {commands:.1f} | {scripts:.2f} |")
        bounds[name] = (rate, client, redis_cpu)
    # With a core each, a system's rate is bounded by the busier of its client and redis-server.
    if "node_rsmq" in bounds:
        node_rate, node_client, _ = bounds["node_rsmq"]
        for name, (rate, client, redis_cpu) in bounds.items():
            if name != "node_rsmq":
                print(f"{name} against node_rsmq: msg/s {rate / node_rate:.1f}x; node client CPU / "
                      f"max({name} client, redis-server) CPU per message {node_client / max(client, redis_cpu):.1f}x")


if __name__ == "__main__":
    main()
