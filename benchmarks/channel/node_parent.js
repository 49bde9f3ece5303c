'use strict';
// The channel benchmark's Node.js parent: starts the child command given after "--" with Node's IPC
// channel (stdio 'ipc' at fd 3, serialization json), runs a warm-up phase then the timed phase of the
// workload, and prints one JSON line: count, seconds, and the CPU seconds (user + system) of the
// parent and of the child during the timed phase.
//   stream:    one-way {"type":"tick","data":{"i":n}}, waiting for the send callback whenever
//              send() reports backpressure; the child's count must match at the end
//   roundtrip: {"type":"ping","data":{"i":n}} answered by a pong with the same i, one in flight
// Usage: node node_parent.js --workload stream|roundtrip --messages N --warmup N [--child-cpu C]
//        -- CHILD COMMAND...   (with --child-cpu the child runs under `taskset -c C`)
const { spawn } = require('child_process');

function fail(what) {
  process.stderr.write(`channel parent: ${what}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const options = { workload: 'stream', messages: 1000, warmup: 0, 'child-cpu': '' };
  const split = argv.indexOf('--');
  if (split < 0 || split === argv.length - 1) fail('no child command after --');
  const flags = argv.slice(0, split);
  for (let i = 0; i + 1 < flags.length; i += 2) {
    const key = flags[i].replace(/^--/, '');
    if (!(key in options)) fail(`unknown flag ${flags[i]}`);
    options[key] = typeof options[key] === 'number' ? Number(flags[i + 1]) : flags[i + 1];
  }
  if (!['stream', 'roundtrip'].includes(options.workload)) fail(`unknown workload ${options.workload}`);
  options.child = argv.slice(split + 1);
  return options;
}

const cpuSeconds = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

const options = parseArgs(process.argv.slice(2));
const command = options['child-cpu'] ? ['taskset', '-c', options['child-cpu'], ...options.child] : options.child;
// The child's stdout goes to our stderr: our stdout carries the result line alone.
const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 2, 'inherit', 'ipc'] });
child.on('error', (e) => fail(`spawn: ${e.message}`));
let finished = false;
const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
exited.then(({ code, signal }) => {
  if (!finished) fail(`the child ended early: code ${code}, signal ${signal}`);
});

let onMessage = () => fail('a message before any was asked for');
child.on('message', (message) => onMessage(message));

function expect(type) {
  return new Promise((resolve) => {
    onMessage = (message) => {
      if (message.type !== type) fail(`expected ${type}, got ${JSON.stringify(message)}`);
      resolve(message.data);
    };
  });
}

// Asks the child what it counted since the last mark; returns its CPU seconds.
async function mark(expected) {
  const reply = expect('mark');
  child.send({ type: 'mark' });
  const data = await reply;
  if (data.count !== expected || data.outOfOrder) {
    fail(`the child counted ${data.count} of ${expected}${data.outOfOrder ? ', out of order' : ''}`);
  }
  return data.cpu;
}

// Sends ticks first .. first + n - 1. A send callback is asked for every 1024th message only (it
// costs a closure each); once send() has returned false, the oldest batch still being written is
// waited for, so the queue stays filled while it drains.
async function stream(n, first) {
  const batches = [];
  let blocked = false;
  for (let i = 0; i < n; i++) {
    const message = { type: 'tick', data: { i: first + i } };
    if (i % 1024 !== 1023 && i !== n - 1) {
      if (!child.send(message)) blocked = true;
    } else {
      const batch = { done: false };
      batch.written = new Promise((resolve) => {
        batch.resolve = resolve;
      });
      const accepted = child.send(message, (error) => {
        if (error) fail(`send: ${error.message}`);
        batch.done = true;
        batch.resolve();
      });
      if (!accepted) blocked = true;
      batches.push(batch);
    }
    while (batches.length > 0 && batches[0].done) batches.shift();
    if (blocked && batches.length > 0) {
      await batches.shift().written;
      blocked = false;
    }
  }
}

function roundTrips(n, first) {
  if (n === 0) return Promise.resolve();
  return new Promise((resolve) => {
    let i = 0;
    onMessage = (message) => {
      if (message.type !== 'pong' || message.data.i !== first + i) fail(`bad reply ${JSON.stringify(message)}`);
      if (++i === n) resolve();
      else child.send({ type: 'ping', data: { i: first + i } });
    };
    child.send({ type: 'ping', data: { i: first } });
  });
}

async function main() {
  const run = options.workload === 'stream' ? stream : roundTrips;
  await run(options.warmup, 0);
  const childCpuBefore = await mark(options.warmup);
  const cpuBefore = cpuSeconds();
  const start = process.hrtime.bigint();
  await run(options.messages, options.warmup);
  const childCpuAfter = await mark(options.messages);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpuParent = cpuSeconds() - cpuBefore;
  finished = true;
  child.disconnect();
  const { code, signal } = await exited;
  if (code !== 0) fail(`the child exited with code ${code}, signal ${signal}`);
  console.log(JSON.stringify({
    workload: options.workload, count: options.messages, seconds,
    cpu_parent_s: cpuParent, cpu_child_s: childCpuAfter - childCpuBefore,
  }));
}

main();
