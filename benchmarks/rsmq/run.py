#!/usr/bin/env python3
"""Send + receive + delete rate of ipcxx::Rsmq (C++) against rsmq 0.12.4 (Node.js) on one redis-server.

Each system sends MESSAGES messages of 100 bytes to a fresh queue, then receives and deletes them,
WINDOW operations in flight, and prints the seconds of both phases and its own CPU seconds. run.py
starts one redis-server of its own (Unix socket in a temporary directory, no persistence), flushes it
before each run, and reads the server's CPU seconds from /proc around each run. Systems interleave,
REPS times each; a system whose program is missing is skipped with a note.
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


def start_redis(directory):
    socket = Path(directory) / "redis.sock"
    server = subprocess.Popen(["redis-server", "--port", "0", "--unixsocket", str(socket), "--save", "",
                               "--appendonly", "no", "--dir", directory],
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
    args = parser.parse_args()
    messages, reps = MODES[args.mode]
    if not shutil.which("redis-server"):
        sys.exit("run.py: redis-server not found")
    with tempfile.TemporaryDirectory() as directory:
        server, socket = start_redis(directory)
        try:
            systems = {"node_rsmq": ["node", str(HERE / "bench_rsmq.js"), str(socket)]}
            cpp = args.bin / "bench_rsmq" if args.bin else None
            if cpp and cpp.exists():
                systems["cpp_rsmq"] = [str(cpp), f"unix://{socket}"]
            else:
                print("note: bench_rsmq not built (--bin DIR): C++ skipped", file=sys.stderr)
            results = {name: [] for name in systems}
            for rep in range(reps):
                for name, command in systems.items():
                    subprocess.run(["redis-cli", "-s", str(socket), "flushall"], capture_output=True, check=True)
                    before = proc_cpu_seconds(server.pid)
                    done = subprocess.run(command + [f"q{rep}", str(messages), str(args.window)],
                                          capture_output=True, text=True, timeout=600)
                    redis_cpu = proc_cpu_seconds(server.pid) - before
                    if done.returncode != 0:
                        sys.exit(f"{name}: exit {done.returncode}: {done.stderr.strip()[-400:]}")
                    result = json.loads(done.stdout.strip().splitlines()[-1])
                    result["redis_cpu_seconds"] = redis_cpu
                    results[name].append(result)
        finally:
            server.kill()
            server.wait()
    print(f"{messages} messages of 100 bytes, window {args.window}, {reps} run(s) each; medians.")
    print("| system | send+receive+delete msg/s | client CPU s / 1M msgs | redis-server CPU s / 1M msgs |")
    print("|---|---|---|---|")
    for name, runs in results.items():
        rate = statistics.median(r["count"] / (r["send_seconds"] + r["receive_seconds"]) for r in runs)
        client = statistics.median(r["cpu_seconds"] / r["count"] * 1e6 for r in runs)
        redis_cpu = statistics.median(r["redis_cpu_seconds"] / r["count"] * 1e6 for r in runs)
        print(f"| {name} | {rate:,.0f} | {client:.1f} | {redis_cpu:.1f} |")


if __name__ == "__main__":
    main()
