// Reads the advanced-serialization stream on stdin with the parser of Node's own IPC channel and
// checks each message against what it must be, printing one JSON line a message:
//   {"name": ..., "ok": true|false, "got": <util.inspect of the message, when not ok>}
// and a last line "N passed, N failed". The expected values, in stream order, are the records of
// messages.txt (argv[2]) whose value ipcxx encodes (`check: both` or `encode`, and `decode` ones with
// `reads`: a value read from Node and sent back): their `reads`, else their `js`; then the extra
// messages below.
'use strict';
const fs = require('fs');
const util = require('util');
const { advanced } = require('internal/child_process/serialization');

const extras = [
    { name: 'extra-large-string', js: "'x'.repeat(200000)" },
    { name: 'extra-many-members', js: 'Object.fromEntries([...Array(3000).keys()].map((i) => ["k" + i, [i, i - 1, i / 2]]))' },
];

const expected = [];
let record = {};
for (const line of fs.readFileSync(process.argv[2], 'utf8').split('\n').concat([''])) {
    if (line === '') {
        if (record.check === 'both' || record.check === 'encode' || (record.check === 'decode' && record.reads)) {
            expected.push({ name: record.name, js: record.reads !== undefined ? record.reads : record.js });
        }
        record = {};
    } else if (!line.startsWith('#')) {
        const colon = line.indexOf(': ');
        record[line.slice(0, colon)] = line.slice(colon + 2);
    }
}
expected.push(...extras);

const channel = {};
advanced.initMessageChannel(channel);
let index = 0;
let failed = 0;
process.stdin.on('data', (chunk) => {
    for (const message of advanced.parseChannelMessages(channel, chunk)) {
        const want = expected[index++];
        if (want === undefined) {
            ++failed;
            console.log(JSON.stringify({ name: 'unexpected', ok: false, got: util.inspect(message) }));
            continue;
        }
        const ok = util.isDeepStrictEqual(message, new Function(`return (${want.js});`)());
        if (!ok) ++failed;
        console.log(JSON.stringify(ok ? { name: want.name, ok } : { name: want.name, ok, got: util.inspect(message) }));
    }
});
process.stdin.on('end', () => {
    const missing = expected.length - index;
    if (missing > 0 || channel.buffering) console.log(JSON.stringify({ name: 'end', ok: false, missing }));
    console.log(`${index - failed} passed, ${failed + Math.max(missing, 0)} failed`);
});
