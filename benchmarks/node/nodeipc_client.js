// nodeipc_client: node-ipc 14.0.0's client side of every workload. Times itself with the monotonic
// clock and prints one JSON line.
import { once } from 'node:events';
import { parseArgs, fail, configure } from './common.js';

const o = parseArgs();
const ipc = configure('client', o);
const now = () => process.hrtime.bigint();
const seconds = (from) => Number(now() - from) / 1e9;

function connect(id, setup) {
  if (o.tcp) ipc.connectToNet(id, o.host, o.port, () => setup(ipc.of[id]));
  else ipc.connectTo(id, o.endpoint, () => setup(ipc.of[id]));
}

function print(result) {
  process.stdout.write(JSON.stringify({ system: 'nodeipc', workload: o.workload, transport: o.transport, ...result }) + '\n');
}

// Sends "bye" and leaves once it is written.
function finish(conn) {
  conn.emit('bye');
  conn.socket.end(() => process.exit(0));
}

function roundTrips(conn) {
  const total = o.warmup + o.messages;
  const sentAt = new Array(o.inflight);
  const latencies = new Float64Array(o.messages);
  let seq = 0, next = 0, start = now();
  const send = () => {
    sentAt[seq % o.inflight] = now();
    conn.emit('req', [seq++, o.payload]);
  };
  conn.on('error', (e) => fail(`node-ipc: ${e.message}`));
  conn.on('connect', () => {
    while (seq < Math.min(o.inflight, total)) send();
  });
  conn.on('rep', (data) => {
    const t = now();
    if (data[0] !== next) fail(`reply out of sequence: got ${data[0]}, want ${next}`);
    if (next >= o.warmup) latencies[next - o.warmup] = Number(t - sentAt[next % o.inflight]) / 1e3;
    if (++next === o.warmup) start = t;
    if (next < total) {
      if (seq < total) send();
      return;
    }
    latencies.sort();
    const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
    print({ count: o.messages, seconds: seconds(start), p50_us: at(0.5), p99_us: at(0.99), max_us: at(1) });
    finish(conn);
  });
}

function stream(conn) {
  const acks = [];
  conn.on('error', (e) => fail(`node-ipc: ${e.message}`));
  conn.on('ack', (count) => acks.shift()(count));
  let seq = 0;
  // Streams n messages, waiting for drain whenever the socket's buffer is full, then the ack.
  async function phase(n) {
    const acked = new Promise((resolve) => acks.push(resolve));
    for (const end = seq + n; seq < end; ++seq) {
      if (!conn.emit('msg', [seq, o.payload])) await once(conn.socket, 'drain');
    }
    if ((await acked) !== seq) fail('ack does not count what was sent');
  }
  conn.on('connect', async () => {
    if (o.warmup > 0) await phase(o.warmup);
    const start = now();
    await phase(o.messages);
    print({ count: o.messages, bytes: o.messages * o.size, seconds: seconds(start) });
    finish(conn);
  });
}

function fanOut() {
  const conns = [];
  const received = new Array(o.clients).fill(0);  // per connection, also the next sequence wanted
  let connected = 0, complete = 0, want = 0, phaseDone;
  const phase = (n) => {
    want += n;
    complete = 0;
    conns[0].emit('go', n);
    return new Promise((resolve) => { phaseDone = resolve; });
  };
  async function run() {
    if (o.warmup > 0) await phase(o.warmup);
    const start = now();
    await phase(o.messages);
    const count = o.messages * o.clients;
    print({ count, bytes: count * o.size, seconds: seconds(start) });
    finish(conns[0]);
  }
  for (let i = 0; i < o.clients; ++i) {
    connect(`c${i}`, (conn) => {
      conns[i] = conn;
      conn.on('error', (e) => fail(`node-ipc: ${e.message}`));
      conn.on('connect', () => { if (++connected === o.clients) run(); });
      conn.on('b', (data) => {
        if (data[0] !== received[i]) fail('broadcast out of sequence');
        if (++received[i] === want && ++complete === o.clients) phaseDone();
      });
    });
  }
}

if (o.kind === 'fan_out') fanOut();
else connect('bench', o.kind === 'round_trip' ? roundTrips : stream);
