'use strict';
// An HTTP server that hands its computing to a C++ worker over Node's IPC channel, so that its own
// event loop never blocks. The worker (examples/fork-worker/fork-worker.cpp) is started once with
// the channel at fd 3 and answers each message, in order, with exactly one message:
//   {"type":"compute","data":{"n":N}}  ->  {"type":"result","data":{"n":N,"sum":S}}
//   anything else                      ->  {"type":"error","data":{"message":"..."}}
//
//   GET /compute?n=N        the sum of 0..N-1: 200 {"n":N,"sum":S}, S a decimal string past 2^53
//   GET /message?json=TEXT  TEXT (any JSON value) sent to the worker as it is: 200 with its answer
//                           (there to show what the worker does with a bad message)
// Errors from the worker are 400 {"error":"..."}; 503 once the worker has gone.
// Usage: node server.js WORKER [--port P]   (port 0, the default: any free port; the line
// "listening on port P" says which)
const http = require('http');
const { spawn } = require('child_process');

const args = process.argv.slice(2);
const workerPath = args[0];
const portFlag = args.indexOf('--port');
const port = portFlag >= 0 ? Number(args[portFlag + 1]) : 0;
if (!workerPath) {
  process.stderr.write('usage: node server.js WORKER [--port P]\n');
  process.exit(2);
}

// Node's fork() would do as well (fork(WORKER, [], { execPath: WORKER }) runs `WORKER WORKER`);
// spawn with an 'ipc' slot gives the same channel without the extra argument.
const worker = spawn(workerPath, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
let workerGone = false;
// The HTTP responses waiting for the worker's answers, oldest first: it answers in order.
const waiting = [];

function reply(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body) + '\n');
}

function workerFailed(what) {
  workerGone = true;
  process.stderr.write(`server: ${what}\n`);
  while (waiting.length > 0) reply(waiting.shift(), 503, { error: what });
}

worker.on('error', (e) => workerFailed(`the worker could not start: ${e.message}`));
worker.on('exit', (code, signal) => workerFailed(`the worker exited: code ${code}, signal ${signal}`));
worker.on('message', (message) => {
  const res = waiting.shift();
  if (!res) {
    process.stderr.write(`server: an answer nobody asked for: ${JSON.stringify(message)}\n`);
  } else if (message && message.type === 'result') {
    reply(res, 200, message.data);
  } else if (message && message.type === 'error') {
    reply(res, 400, { error: message.data.message });
  } else {
    reply(res, 502, { error: `unexpected answer ${JSON.stringify(message)}` });
  }
});

function ask(res, message) {
  if (workerGone) return reply(res, 503, { error: 'the worker has gone' });
  waiting.push(res);
  worker.send(message);
}

// n as a JSON number when it is one ("12", "1e3"), else the text itself, for the worker to judge.
function parseN(text) {
  try {
    const value = JSON.parse(text);
    if (typeof value === 'number') return value;
  } catch (e) {
    // not JSON: sent as a string
  }
  return text;
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/compute' && url.searchParams.has('n')) {
    return ask(res, { type: 'compute', data: { n: parseN(url.searchParams.get('n')) } });
  }
  if (req.method === 'GET' && url.pathname === '/message' && url.searchParams.has('json')) {
    let message;
    try {
      message = JSON.parse(url.searchParams.get('json'));
    } catch (e) {
      return reply(res, 400, { error: `json: ${e.message}` });
    }
    return ask(res, message);
  }
  reply(res, 404, { error: 'GET /compute?n=N or /message?json=TEXT' });
});

server.listen(port, '127.0.0.1', () => console.log(`listening on port ${server.address().port}`));

// Stopping the server disconnects the worker, which then ends by itself.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();  // idle keep-alive connections would hold the process ~5 s
    if (worker.connected) worker.disconnect();
  });
}
