#!/usr/bin/env python3
"""Memory per idle connection and idle CPU, for ipcxx (native and JSON wires; ipcxx_ping: the native
wire with Config::heartbeat = ping), ZeroMQ ROUTER/DEALER and a raw epoll server, in one run
(benchmarks/README.md, "Idle connections").

For each system and transport: the server starts (CPU 0) and the client process (CPU 1) raises
its descriptor limit and waits; both memories are read (VmRSS), then the client opens N connections,
sends one message on each and waits for every answer. After a second to settle, both processes'
CPU time (utime + stime from /proc/<pid>/stat) is read at the start and end of T idle seconds, and
their memories at the end. Memory per connection = VmRSS growth / N.

    run.py --bin BUILD/benchmarks/bin [--clients 10000] [--idle 10] [--systems raw,zmq,ipcxx,ipcxx_json,ipcxx_ping]
           [--transports unix,tcp]
    run.py --bin ... --smoke      # N = 200, T = 1: exits 1 unless every system answered every connection
    run.py --bin ... --realtime   # both processes at SCHED_FIFO priority 10 (chrt): see below

On a loaded machine a woken process waits for a CPU, and the timer expiries that came meanwhile are
handled in one wake-up: idle CPU then reads lower than on a quiet machine, where each expiry can cost
a wake-up of its own. --realtime runs both processes ahead of the load, so that wake-ups are served
at once, as on a quiet machine (root or CAP_SYS_NICE).
"""
import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time

TICKS = os.sysconf("SC_CLK_TCK")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def expect(proc, prefix, seconds):
    """The process's next line, which must start with `prefix`, within `seconds`."""
    import select
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"exited ({proc.wait()}) before '{prefix}'")
        if line.startswith(prefix):
            return line.strip()
    raise RuntimeError(f"no '{prefix}' within {seconds} s")


def measure(bin_dir, system, transport, clients, idle, directory, prefix=()):
    endpoint = (f"127.0.0.1:{free_port()}" if transport == "tcp"
                else os.path.join(directory, f"{system}.sock"))
    flags = ["--transport", transport, "--endpoint", endpoint, "--clients", str(clients)]
    server = subprocess.Popen([*prefix, "taskset", "-c", "0", os.path.join(bin_dir, f"{system}_idle_server")] + flags,
                              stdout=subprocess.PIPE, text=True)
    client = None
    try:
        expect(server, "ready", 30)
        client = subprocess.Popen([*prefix, "taskset", "-c", "1", os.path.join(bin_dir, f"{system}_idle_client")] + flags,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        expect(client, "ready", 30)
        server_before, client_before = rss_kib(server.pid), rss_kib(client.pid)
        client.stdin.write("go\n")
        client.stdin.flush()
        answered = expect(client, "answered", 60 + clients / 100)
        if answered != f"answered {clients}":
            raise RuntimeError(f"client said '{answered}'")
        time.sleep(1)
        s0, c0 = cpu_seconds(server.pid), cpu_seconds(client.pid)
        time.sleep(idle)
        s1, c1 = cpu_seconds(server.pid), cpu_seconds(client.pid)
        for proc in (server, client):
            if proc.poll() is not None:
                raise RuntimeError(f"a process exited ({proc.returncode}) while idle")
        return {
            "server_kib": (rss_kib(server.pid) - server_before) / clients,
            "client_kib": (rss_kib(client.pid) - client_before) / clients,
            "server_cpu": 100 * (s1 - s0) / idle,
            "client_cpu": 100 * (c1 - c0) / idle,
        }
    finally:
        for proc in (client, server):
            if proc and proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="the build's benchmarks/bin")
    parser.add_argument("--clients", type=int, default=10000)
    parser.add_argument("--idle", type=float, default=10, help="idle seconds measured")
    parser.add_argument("--systems", default="raw,zmq,ipcxx,ipcxx_json,ipcxx_ping")
    parser.add_argument("--transports", default="unix,tcp")
    parser.add_argument("--smoke", action="store_true", help="N = 200, T = 1; a failure exits 1")
    parser.add_argument("--realtime", action="store_true", help="run both processes at SCHED_FIFO priority 10")
    args = parser.parse_args()
    if args.smoke:
        args.clients, args.idle = 200, 1
    systems = [s for s in args.systems.split(",")
               if os.path.exists(os.path.join(args.bin, f"{s}_idle_server")) or print(f"{s}: not built, skipped")]
    failed = False
    print(f"{args.clients} connections, {args.idle:g} s idle")
    print(f"{'system':<12}{'transport':<11}{'server KiB/conn':>17}{'client KiB/conn':>17}{'server CPU %':>14}{'client CPU %':>14}")
    with tempfile.TemporaryDirectory(prefix="ipcxx-idle-") as directory:
        for transport in args.transports.split(","):
            for system in systems:
                try:
                    r = measure(args.bin, system, transport, args.clients, args.idle, directory,
                                ["chrt", "-f", "10"] if args.realtime else [])
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    print(f"{system:<12}{transport:<11}failed: {e}")
                    failed = True
                    continue
                print(f"{system:<12}{transport:<11}{r['server_kib']:>17.2f}{r['client_kib']:>17.2f}"
                      f"{r['server_cpu']:>14.2f}{r['client_cpu']:>14.2f}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
