// raw: a node-ipc 14 rawBuffer client of the server "raw" (examples/raw): writes TEXT's bytes,
// prints the answer and exits. Usage: node raw.js TEXT
import { IPCModule } from 'node-ipc';

const text = process.argv[2];
if (text === undefined) {
    console.error('usage: node raw.js TEXT');
    process.exit(2);
}
const ipc = new IPCModule();
ipc.config.id = 'raw-send';
ipc.config.silent = true;
ipc.config.rawBuffer = true;
ipc.config.maxRetries = 20;  // give up after ~10 s if raw never appears

ipc.connectTo('raw', () => {
    const raw = ipc.of.raw;
    raw.on('connect', () => raw.emit(Buffer.from(text)));
    raw.on('data', (bytes) => {
        console.log(bytes.toString());
        process.exit(0);
    });
    raw.on('destroy', () => process.exit(1));
});
