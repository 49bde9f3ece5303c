// node-sender: a Node.js program using rsmq 0.12.4 that sends COUNT jobs "node-job-1" ... into the
// same queue the C++ consumers work on (npm ci here first).
// Usage: node node-sender.js REDIS_SOCKET_PATH QUEUE COUNT     (or REDIS_HOST:PORT)
'use strict';
const redis = require('redis');
const RedisSMQ = require('rsmq');

const [where, qname, count] = process.argv.slice(2);
const client = where.includes('/')
  ? redis.createClient({ path: where })
  : redis.createClient({ host: where.split(':')[0], port: Number(where.split(':')[1]) });
const rsmq = new RedisSMQ({ client });

(async () => {
  for (let i = 1; i <= Number(count); i++) {
    const id = await rsmq.sendMessageAsync({ qname, message: `node-job-${i}` });
    console.log(JSON.stringify({ sent: `node-job-${i}`, id }));
  }
  client.quit();
})().catch((err) => {
  console.error(`node-sender: ${err.name}: ${err.message}`);
  process.exit(1);
});
