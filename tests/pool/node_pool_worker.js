// A Node.js worker for the pool tests, on examples/node-worker's helper: pid, sleep {ms}, crash.
'use strict';
const {serve} = require(process.argv[2]);

serve({
    pid: () => process.pid,
    sleep: (ms) => new Promise((resolve) => setTimeout(() => resolve(process.pid), ms)),
    crash: () => process.exit(3),
});
