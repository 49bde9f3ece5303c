// node-worker: a node-ipc 14 client that joins the ipcxx job farm over node-ipc's JSON wire, as
// the C++ worker does over the native one. On each connect it says ipcxx's hello with
// handles: ["job"], which makes it a worker for the dispatcher's Server::distribute
// (protocol/PROTOCOL.md, sections 3 and 4). It works through its jobs one at a time: a job
// {job: J, ms: MS} is answered with J*J after setTimeout(MS). ipcxx.cancel (or the request's
// deadline passing, or the connection dropping) drops a job, running or waiting.
// Prints on stderr when it starts, finishes or drops a job. Stops on SIGINT / SIGTERM.
// Usage: node node-worker.js --id NAME (--unix PATH | --tcp HOST:PORT)
import { IPCModule } from 'node-ipc';

const args = {};
for (let i = 2; i + 1 < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
if (!args.id || !args.unix === !args.tcp) {
    console.error('usage: node node-worker.js --id NAME (--unix PATH | --tcp HOST:PORT)');
    process.exit(2);
}
const me = args.id;

const ipc = new IPCModule();
ipc.config.id = me;
ipc.config.silent = true;
ipc.config.retry = 500;  // reconnects for ever, so it may start before the dispatcher

// Jobs received and not finished, in order: {id, job, ms, deadline}; the first one runs.
let queue = [];
let timer = null;  // the running job's setTimeout

function log(line) {
    console.error(`${me}: ${line}`);
}

function runNext(dispatcher) {
    while (!timer && queue.length > 0) {
        const next = queue[0];
        if (next.deadline !== undefined && Date.now() >= next.deadline) {
            queue.shift();
            log(`skipped job ${next.job} (deadline passed)`);
            continue;
        }
        log(`started job ${next.job}`);
        timer = setTimeout(() => {
            timer = null;
            queue.shift();
            const result = next.job * next.job;
            dispatcher.emit('ipcxx.response', { id: next.id, data: result });
            log(`finished job ${next.job} -> ${result}`);
            runNext(dispatcher);
        }, next.ms);
    }
}

// Drops the job with this request id (all of them when id is undefined).
function drop(dispatcher, id, why) {
    for (const j of queue.filter((j) => id === undefined || j.id === id)) {
        if (j === queue[0] && timer) {
            clearTimeout(timer);
            timer = null;
        }
        log(`abandoned job ${j.job} (${why})`);
    }
    queue = queue.filter((j) => !(id === undefined || j.id === id));
    runNext(dispatcher);
}

function connected(dispatcher) {
    dispatcher.on('connect', () => {
        log('connected to the dispatcher');
        // The hello ipcxx clients send first; "handles" lists the request events this client answers.
        dispatcher.emit('ipcxx.hello', {
            protocol: 1,
            id: me,
            wire: ['json'],
            features: ['request', 'deadline'],
            handles: ['job'],
        });
    });
    dispatcher.on('ipcxx.welcome', (data) => log(`welcomed by ${data.id}, wire ${data.wire}`));
    dispatcher.on('ipcxx.request', ({ id, event, data, timeout }) => {
        if (event !== 'job') {
            dispatcher.emit('ipcxx.response', { id, error: { code: 'no_handler', message: `no handler for '${event}'` } });
            return;
        }
        if (!data || !Number.isInteger(data.job) || !Number.isInteger(data.ms)) {
            dispatcher.emit('ipcxx.response', {
                id,
                error: { code: 'bad_request', message: 'a job is {job: integer, ms: integer}' },
            });
            return;
        }
        const deadline = Number.isFinite(timeout) ? Date.now() + timeout : undefined;
        queue.push({ id, job: data.job, ms: data.ms, deadline });
        runNext(dispatcher);
    });
    dispatcher.on('ipcxx.cancel', ({ id }) => drop(dispatcher, id, 'cancelled'));
    dispatcher.on('disconnect', () => {
        // The dispatcher has given these jobs to other workers.
        if (queue.length > 0) drop(dispatcher, undefined, 'connection lost');
        log('disconnected');
    });
}

if (args.unix) {
    ipc.connectTo('dispatcher', args.unix, () => connected(ipc.of.dispatcher));
} else {
    const colon = args.tcp.lastIndexOf(':');
    ipc.connectToNet('dispatcher', args.tcp.slice(0, colon), Number(args.tcp.slice(colon + 1)), () =>
        connected(ipc.of.dispatcher),
    );
}

for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
        ipc.disconnect('dispatcher');
        process.exit(0);
    });
}
