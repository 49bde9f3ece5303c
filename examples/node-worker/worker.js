// A Node.js worker for the node-worker example: started by the C++ service through ipcxx's
// WorkerPool, it answers `sum` ({n}: the sum of 0..n-1) and `whoami` (its pid).
'use strict';
const {serve} = require('./ipcxx-worker.js');

serve({
    sum: ({n}) => {
        if (!Number.isSafeInteger(n) || n < 0) throw Object.assign(new Error(`bad n: ${n}`), {code: 'bad_argument'});
        let s = 0;
        for (let i = 0; i < n; i++) s += i;
        return {n, sum: s, pid: process.pid};
    },
    whoami: () => process.pid,
});
