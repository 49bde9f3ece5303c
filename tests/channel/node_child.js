// The Node side of tests/channel: a child started with an IPC channel by the C++ tests.
// argv[2] is the mode:
//   echo       answers every message m with {echo: m}; events, requests and handles as below
//   internal   sends an internal message and a user message, then disconnects
//   many N S   sends N messages {i, s: 'x' * S}, then {done: N}; waits for 'bye'
//   count      counts the messages and bytes that arrive until the channel ends; prints them
'use strict';
const net = require('net');
const [mode, ...args] = process.argv.slice(2);
let server = null;

function answer(m, handle) {
    if (handle) {
        // A descriptor from C++: a socket whose other end the test holds.
        const socket = new net.Socket({ handle });
        socket.once('data', (d) => {
            process.send({ via_handle: d.toString(), msg: m });
            socket.end('node read it');
        });
        return;
    }
    if (m === 'bye') {
        if (server) server.close();
        return process.disconnect();
    }
    if (m === 'send-server') {
        // A listening server, sent to C++; the message after it leaves only once C++ sent the ACK.
        server = net.createServer();
        server.listen(0, '127.0.0.1', () => {
            process.send({ server_port: server.address().port }, server);
            process.send('after-handle');
        });
        return;
    }
    if (m && m.type === 'ping') return process.send({ type: 'pong', data: m.data });
    if (m && m.type === 'ipcxx.request') {
        const { id, event, data } = m.data;
        if (event === 'sum') {
            return process.send({ type: 'ipcxx.response', data: { id, data: data.reduce((a, b) => a + b, 0) } });
        }
        return process.send({ type: 'ipcxx.response',
                              data: { id, error: { code: 'no_handler', message: 'node has no ' + event } } });
    }
    if (m && m.type === 'ipcxx.response') return process.send({ node_got_response: m.data });
    if (m && m.type === 'ask') {
        // Node asks C++ (which answers with its handle('double') handler).
        return process.send({ type: 'ipcxx.request', data: { id: 7, event: 'double', data: m.data } });
    }
    process.send({ echo: m });
}

if (mode === 'echo') {
    process.on('message', answer);
} else if (mode === 'internal') {
    process.send({ cmd: 'NODE_custom', x: 1 });
    process.send({ cmd: 'NODE_', y: 2 });
    process.disconnect();
} else if (mode === 'many') {
    const n = Number(args[0]);
    const s = 'x'.repeat(Number(args[1]));
    for (let i = 0; i < n; i++) process.send({ i, s });
    process.send({ done: n });
    process.on('message', (m) => { if (m === 'bye') process.disconnect(); });
} else if (mode === 'count') {
    let count = 0;
    let bytes = 0;
    process.on('message', (m) => { count++; bytes += JSON.stringify(m).length; });
    process.on('disconnect', () => process.stdout.write(JSON.stringify({ count, bytes }) + '\n'));
}
