// A Node parent with `serialization: 'advanced'`: spawns the C++ channel_child (argv[2]) in its
// mirror mode with the channel,
// sends it the golden values of messages.txt (argv[3]: `js` of `both` records, and of `decode`
// records with `reads`, where the echo must be `reads`; inside an array where send() refuses them at
// the top) and a RegExp (outside the subset: the child
// must answer with an error naming it), checks each echo, then says "bye" and waits for the exit.
// Prints one JSON line a case and a last line "N passed, N failed".
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const util = require('util');

const [childPath, vectorsPath] = process.argv.slice(2);
const cases = [];
let record = {};
for (const line of fs.readFileSync(vectorsPath, 'utf8').split('\n').concat([''])) {
    if (line === '') {
        if (record.js !== undefined && record.check === 'both') {
            cases.push({ name: record.name, send: record.js, expect: record.js });
        } else if (record.js !== undefined && record.check === 'decode' && record.reads !== undefined) {
            cases.push({ name: record.name, send: record.js, expect: record.reads });
        }
        record = {};
    } else if (!line.startsWith('#')) {
        const colon = line.indexOf(': ');
        record[line.slice(0, colon)] = line.slice(colon + 2);
    }
}
cases.push({ name: 'regexp-refused', send: '/x/g', error: /RegExp/ });
cases.push({ name: 'after-a-bad-message', send: "new Map([[1, {a: [1n, undefined]}]])", expect: "new Map([[1, {a: [1, undefined]}]])" });

const evaluate = (js) => new Function(`return (${js});`)();
// send() refuses a top-level undefined or BigInt: those go inside an array.
for (const c of cases) {
    if (c.expect !== undefined && ['undefined', 'bigint'].includes(typeof evaluate(c.send))) {
        c.send = `[${c.send}]`;
        c.expect = `[${c.expect}]`;
    }
}
const child = spawn(childPath, ['mirror'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
let index = 0;
let failed = 0;
const guard = setTimeout(() => {
    console.log(JSON.stringify({ name: 'timeout', ok: false, at: index }));
    child.kill();
}, 30000);

function sendNext() {
    if (index === cases.length) {
        child.send('bye');
        return;
    }
    child.send(evaluate(cases[index].send));
}

child.on('message', (message) => {
    const c = cases[index++];
    const ok = c.error ? typeof message.error === 'string' && c.error.test(message.error)
                       : util.isDeepStrictEqual(message, evaluate(c.expect));
    if (!ok) ++failed;
    console.log(JSON.stringify(ok ? { name: c.name, ok } : { name: c.name, ok, got: util.inspect(message) }));
    sendNext();
});
child.on('exit', (code, signal) => {
    clearTimeout(guard);
    const clean = code === 0 && index === cases.length;
    if (!clean) console.log(JSON.stringify({ name: 'exit', ok: false, code, signal, answered: index }));
    console.log(`${index - failed} passed, ${failed + (clean ? 0 : 1)} failed`);
});
sendNext();
