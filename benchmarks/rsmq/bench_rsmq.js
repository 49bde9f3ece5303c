// The Node.js side of benchmarks/rsmq: the same work as bench_rsmq.cpp with rsmq 0.12.4 (installed in
// tests/rsmq). Usage: node bench_rsmq.js REDIS_SOCKET_PATH QUEUE MESSAGES WINDOW
'use strict';
const path = require('path');
const modules = path.join(__dirname, '..', '..', 'tests', 'rsmq', 'node_modules');
const redis = require(path.join(modules, 'redis'));
const RedisSMQ = require(path.join(modules, 'rsmq'));

const [socketPath, qname, messages, windowText] = process.argv.slice(2);
const count = Number(messages);
const window = Number(windowText);
const client = redis.createClient({ path: socketPath });
const rsmq = new RedisSMQ({ client });

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function phase(operation) {
  let next = 0;
  const start = process.hrtime.bigint();
  const worker = async () => {
    while (next < count) {
      next++;
      await operation();
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, count) }, worker));
  return Number(process.hrtime.bigint() - start) / 1e9;
}

(async () => {
  await rsmq.createQueueAsync({ qname });
  const body = 'x'.repeat(100);
  const cpuBefore = cpuSeconds();
  const sendSeconds = await phase(() => rsmq.sendMessageAsync({ qname, message: body }));
  const receiveSeconds = await phase(async () => {
    const m = await rsmq.receiveMessageAsync({ qname });
    if (!m.id) throw new Error('queue empty too early');
    await rsmq.deleteMessageAsync({ qname, id: m.id });
  });
  const cpu = cpuSeconds() - cpuBefore;
  console.log(JSON.stringify({ count, send_seconds: sendSeconds, receive_seconds: receiveSeconds, cpu_seconds: cpu }));
  client.quit();
})().catch((err) => {
  console.error(`bench_rsmq.js: ${err.message}`);
  process.exit(1);
});
