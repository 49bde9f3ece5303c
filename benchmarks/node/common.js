// What the node-ipc server and client share: the same flags as the C++ programs, and the events
// of benchmarks/ipcxx/common.hpp ("req"/"rep", "msg"/"ack", "go"/"b", "bye"), data [seq, payload].
import ipc from 'node-ipc';

export function parseArgs(argv = process.argv.slice(2)) {
  const o = { workload: 'W1', transport: 'tcp', endpoint: '', messages: 1000, warmup: 0, size: 64, inflight: 1, clients: 1 };
  const numeric = new Set(['messages', 'warmup', 'size', 'inflight', 'clients']);
  for (let i = 0; i + 1 < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in o)) fail(`unknown flag ${argv[i]}`);
    o[key] = numeric.has(key) ? Number(argv[i + 1]) : argv[i + 1];
  }
  o.tcp = o.transport === 'tcp';
  if (o.tcp) {
    const at = o.endpoint.lastIndexOf(':');
    o.host = o.endpoint.slice(0, at);
    o.port = Number(o.endpoint.slice(at + 1));
  }
  o.kind = ['W1', 'W2', 'W2c'].includes(o.workload) ? 'round_trip' : o.workload === 'W4' ? 'fan_out' : 'stream';
  o.payload = 'x'.repeat(o.size);
  return o;
}

export function fail(what) {
  process.stderr.write(`bench: ${what}\n`);
  process.exit(1);
}

// node-ipc's defaults (the "fast" profile), without log lines.
export function configure(id, o) {
  ipc.config.id = id;
  ipc.config.silent = true;
  ipc.config.maxConnections = Math.max(100, o.clients);
  ipc.config.stopRetrying = true;  // a lost connection is a failed run
  return ipc;
}
