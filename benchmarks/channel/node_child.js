'use strict';
// The channel benchmark's Node.js child (run by a parent that gave it Node's IPC channel): counts
// each "tick" and checks its sequence, answers "ping" with a "pong" carrying the same data, and
// answers "mark" with what it counted since the last mark and its own CPU seconds so far.
// It exits when the parent disconnects.
let count = 0;
let next = 0;
let outOfOrder = false;

const cpuSeconds = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

process.on('message', (message) => {
  switch (message.type) {
    case 'tick':
      if (message.data.i !== next) outOfOrder = true;
      next = message.data.i + 1;
      count++;
      break;
    case 'ping':
      count++;
      process.send({ type: 'pong', data: message.data });
      break;
    case 'mark':
      process.send({ type: 'mark', data: { count, outOfOrder, cpu: cpuSeconds() } });
      count = 0;
      break;
    default:
      process.stderr.write(`channel child: unexpected message ${JSON.stringify(message)}\n`);
      process.exit(1);
  }
});
