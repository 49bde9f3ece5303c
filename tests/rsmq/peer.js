// The Node.js side of the rsmq interop tests: rsmq 0.12.4 driven by JSON lines.
//   node peer.js <redis unix socket path> [ns] [realtime]
// Each line on stdin is {"op": <rsmq method>, "args": {...}} (or {"op": "shas"}: the SHA1s of the
// scripts rsmq loaded, or {"op": "subscribe", "args": {"qname": q}}: realtime notifications of q
// are then printed as {"ev": "notification", "count": n}, or {"op": "receiveMessagePolling", "args":
// {qname, vt, within}}: receiveMessage every 10 ms, as rsmq's users poll, until a message or `within` ms). Each answer is one flat line on stdout,
// in the order of the requests: {"ev": "ok", ...fields of an object result} (a message's `sent`
// also as the text `sentText`), {"ev": "ok", "value": v} for a scalar or a sorted, comma-joined
// list, or {"ev": "error", "name": ..., "message": ...}.
'use strict';
const readline = require('readline');
const redis = require('redis');
const RedisSMQ = require('rsmq');

const [socketPath, ns = 'rsmq', realtime = ''] = process.argv.slice(2);
const client = redis.createClient({ path: socketPath });
const rsmq = new RedisSMQ({ client, ns, realtime: realtime === 'realtime' });
let subscriber = null;

const out = (value) => process.stdout.write(JSON.stringify(value) + '\n');

function scriptsLoaded() {
  return new Promise((resolve) => {
    const check = () => {
      if (rsmq.popMessage_sha1 && rsmq.receiveMessage_sha1 && rsmq.changeMessageVisibility_sha1) return resolve();
      setTimeout(check, 5);
    };
    check();
  });
}

async function run(request) {
  const { op, args = {} } = request;
  if (op === 'shas') {
    await scriptsLoaded();
    return {
      popMessage: rsmq.popMessage_sha1,
      receiveMessage: rsmq.receiveMessage_sha1,
      changeMessageVisibility: rsmq.changeMessageVisibility_sha1,
    };
  }
  if (op === 'subscribe') {
    subscriber = subscriber || redis.createClient({ path: socketPath });
    await new Promise((resolve) => {
      subscriber.on('subscribe', () => resolve());
      subscriber.on('message', (channel, count) => out({ ev: 'notification', count: Number(count), channel }));
      subscriber.subscribe(`${ns}:rt:${args.qname}`);
    });
    return true;
  }
  if (op === 'receiveMessagePolling') {
    const deadline = Date.now() + args.within;
    for (;;) {
      const message = await rsmq.receiveMessageAsync({ qname: args.qname, vt: args.vt });
      if (message.id || Date.now() >= deadline) return message;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  if (op === 'listQueues') return rsmq.listQueuesAsync();
  if (typeof rsmq[op + 'Async'] !== 'function') throw Object.assign(new Error(`unknown op ${op}`), { name: 'badOp' });
  return rsmq[op + 'Async'](args);
}

function answer(result) {
  if (Array.isArray(result)) return { ev: 'ok', value: result.slice().sort().join(',') };
  if (result !== null && typeof result === 'object') {
    const line = { ev: 'ok', ...result };
    if (typeof result.sent === 'number') line.sentText = String(result.sent);
    return line;
  }
  return { ev: 'ok', value: result === undefined ? null : result };
}

// Requests are answered one at a time, in order, so that the test reads answers in its own order.
let chain = Promise.resolve();
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (!line.trim()) return;
  const request = JSON.parse(line);
  chain = chain.then(() => run(request)).then(
    (result) => out(answer(result)),
    (err) => out({ ev: 'error', name: err.name, message: err.message }));
}).on('close', () => {
  chain.then(() => {
    client.quit();
    if (subscriber) subscriber.quit();
  });
});
