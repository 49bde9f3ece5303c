// requests: a node-ipc 14 server with id "requests" that speaks ipcxx's request/response
// convention of the JSON wire (protocol/PROTOCOL.md, section 4). It answers "add", and asks each
// client that connects "whoami", then greets it by that name. Stops on SIGINT / SIGTERM.
import { IPCModule } from 'node-ipc';

const ipc = new IPCModule();
ipc.config.id = 'requests';
ipc.config.silent = true;

const handlers = {
    add: ([a, b]) => a + b,
};

// Requests of this server, by id, until their response arrives.
let nextId = 1;
const pending = new Map();

function request(socket, event, data) {
    const id = nextId++;
    return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        ipc.server.emit(socket, 'ipcxx.request', { id, event, data });
    });
}

ipc.serve(() => console.log(`requests: listening on ${ipc.server.path}`));

ipc.server.on('ipcxx.request', ({ id, event, data }, socket) => {
    const handler = Object.hasOwn(handlers, event) && handlers[event];  // not inherited names
    let reply;
    if (!handler) {
        reply = { id, error: { code: 'no_handler', message: `no handler for '${event}'` } };
    } else {
        try {
            reply = { id, data: handler(data) };
        } catch (e) {
            reply = { id, error: { code: 'handler_exception', message: String(e) } };
        }
    }
    console.log(`requests: ${event}(${JSON.stringify(data)}) -> ${JSON.stringify(reply.error || reply.data)}`);
    ipc.server.emit(socket, 'ipcxx.response', reply);
});

ipc.server.on('ipcxx.response', ({ id, data, error }) => {
    const p = pending.get(id);
    if (!p) return;  // not ours, or answered already
    pending.delete(id);
    if (error) p.reject(Object.assign(new Error(error.message), { code: error.code }));
    else p.resolve(data);
});

ipc.server.on('connect', async (socket) => {
    try {
        const name = await request(socket, 'whoami');
        console.log(`requests: whoami -> ${JSON.stringify(name)}`);
        ipc.server.emit(socket, 'greeting', `hello, ${name}`);
    } catch (e) {
        console.log(`requests: whoami failed: ${e.code}: ${e.message}`);
    }
});

ipc.server.on('error', (e) => console.error(`requests: ${e.message}`));
ipc.server.start();

for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
        ipc.server.stop();  // removes the socket file
        process.exit(0);
    });
}
