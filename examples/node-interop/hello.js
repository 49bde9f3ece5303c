// hello: a node-ipc 14 client that sends "hello" to the server "world", prints the answer and
// exits, as examples/hello does in C++. Exits with 1 if world never answers.
import { IPCModule } from 'node-ipc';

const ipc = new IPCModule();
ipc.config.id = 'hello';
ipc.config.silent = true;
ipc.config.maxRetries = 20;  // give up after ~10 s if world never appears

ipc.connectTo('world', () => {
    const world = ipc.of.world;
    world.on('connect', () => world.emit('message', 'hello'));
    world.on('message', (data) => {
        console.log(data);
        process.exit(0);
    });
    world.on('destroy', () => process.exit(1));
});
