// The Node side of tests/channel as the parent: starts the C++ channel_child (argv[2]) with an
// 'ipc' stdio entry, checks what comes back, and prints the events it saw; exit code 0 when all
// was as expected.
'use strict';
const { spawn } = require('child_process');
const net = require('net');
const assert = require('assert');

const child = spawn(process.argv[2], ['echo'], { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
const events = [];
const values = ['hello', 42, 2.5, true, null, [1, 'é', { a: [] }], { nested: { deep: [1, 2, 3] } },
                'line\nbreak \u2028', 'x'.repeat(3 << 20)];
const got = [];
let handleSeen = false;

child.on('spawn', () => events.push('spawn'));
child.on('message', (m, handle) => {
    if (m && m.echo !== undefined) {
        got.push(m.echo);
        if (got.length === values.length) {
            // A socket passed to C++, which writes through it.
            const server = net.createServer((socket) => {
                socket.on('data', (d) => {
                    assert.strictEqual(d.toString(), 'written by C++');
                    handleSeen = true;
                    server.close();
                    child.send({ type: 'ipcxx.request', data: { id: 1, event: 'sum', data: [1, 2, 3] } });
                });
            });
            server.listen(0, '127.0.0.1', () => {
                const socket = net.connect(server.address().port, '127.0.0.1', () => child.send({ take: 'socket' }, socket));
            });
        }
    } else if (m && m.type === 'ipcxx.response') {
        assert.deepStrictEqual(m.data, { id: 1, data: 6 });
        child.send('bye');
    } else {
        throw new Error('unexpected message ' + JSON.stringify(m));
    }
});
child.on('disconnect', () => events.push('disconnect'));
child.on('exit', (code) => events.push('exit ' + code));
child.on('close', (code) => {
    events.push('close ' + code);
    assert.deepStrictEqual(got, values);
    assert.ok(handleSeen, 'the handle was not used');
    console.log(events.join(','));
    process.exit(code === 0 && events.includes('disconnect') ? 0 : 1);
});
for (const v of values) child.send(v);
