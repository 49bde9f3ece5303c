// udp: node-ipc 14's UDP endpoints, as examples/udp does in C++.
// Usage: node udp.js serve PORT   answers every "ping" with a "pong" of the same data, to its sender
//        node udp.js ping PORT    sends one ping to 127.0.0.1:PORT from its own endpoint, prints the
//                                 pong's data and exits (1 if none comes within 5 s)
import { IPCModule } from 'node-ipc';

const [mode, portText] = process.argv.slice(2);
if ((mode !== 'serve' && mode !== 'ping') || !portText) {
    console.error('usage: node udp.js serve|ping PORT');
    process.exit(2);
}
const ipc = new IPCModule();
ipc.config.id = `udp-${mode}`;
ipc.config.silent = true;

// ping binds a free port of its own. serveNet takes a falsy port for "the default 8000", so the
// port is set on the server afterwards.
const bindPort = mode === 'ping' ? 0 : Number(portText);
ipc.serveNet('127.0.0.1', bindPort || 1, 'udp4', () => {
    if (mode === 'serve') {
        console.log(`udp.js: listening on port ${ipc.server.server.address().port}`);
        return;
    }
    ipc.server.emit({ address: '127.0.0.1', port: Number(portText) }, 'ping', { seq: 1 });
    setTimeout(() => process.exit(1), 5000);
});
ipc.server.port = bindPort;
ipc.server.on('ping', (data, sender) => {
    console.log(`udp.js: ping ${JSON.stringify(data)} from ${sender.address}:${sender.port}`);
    ipc.server.emit(sender, 'pong', data);
});
ipc.server.on('pong', (data) => {
    console.log(JSON.stringify(data));
    process.exit(0);
});
ipc.server.start();
