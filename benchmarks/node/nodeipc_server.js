// nodeipc_server: node-ipc 14.0.0's server side of every workload.
import { once } from 'node:events';
import { parseArgs, fail, configure } from './common.js';

const o = parseArgs();
const ipc = configure('bench', o);

function serve() {
  const server = ipc.server;
  server.on('req', (data, socket) => server.emit(socket, 'rep', data));

  let received = 0;
  server.on('msg', (data, socket) => {
    if (data[0] !== received) fail('stream message out of sequence');
    ++received;
    if ((received === o.warmup && o.warmup > 0) || received === o.warmup + o.messages) server.emit(socket, 'ack', received);
  });

  // W4: broadcasts once every client is connected, waiting for drain when a socket's buffer is full.
  let connected = 0, requested = 0, sent = 0, pumping = false;
  async function pump() {
    if (pumping) return;
    pumping = true;
    while (sent < requested && connected >= o.clients) {
      if (!server.broadcast('b', [sent++, o.payload])) {
        await Promise.all(server.sockets.filter((s) => s.writableNeedDrain).map((s) => once(s, 'drain')));
      }
    }
    pumping = false;
  }
  server.on('connect', () => { ++connected; pump(); });
  server.on('go', (n) => { requested += n; pump(); });
  server.on('bye', () => process.exit(0));
  process.stdout.write('ready\n');
}

if (o.tcp) ipc.serveNet(o.host, o.port, serve);
else ipc.serve(o.endpoint, serve);
ipc.server.start();
