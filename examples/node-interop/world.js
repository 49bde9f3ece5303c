// world: a node-ipc 14 server with id "world" that answers every "message" with the same text
// plus " world!", as examples/world does in C++. Stops on SIGINT / SIGTERM.
import { IPCModule } from 'node-ipc';

const ipc = new IPCModule();
ipc.config.id = 'world';
ipc.config.silent = true;

// The default path: $XDG_RUNTIME_DIR/node-ipc/app.world, where ipcxx looks for id "world" too.
ipc.serve(() => console.log(`world: listening on ${ipc.server.path}`));
ipc.server.on('connect', () => console.log('world: client connected'));
ipc.server.on('message', (data, socket) => {
    console.log(`world: got ${JSON.stringify(data)}`);
    ipc.server.emit(socket, 'message', `${data} world!`);
});
ipc.server.on('socket.disconnected', () => console.log('world: client disconnected'));
ipc.server.on('error', (e) => console.error(`world: ${e.message}`));
ipc.server.start();

for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
        ipc.server.stop();  // removes the socket file
        process.exit(0);
    });
}
