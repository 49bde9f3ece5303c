// The Node side of tests/channel/test_channel_advanced.cpp: a child started by a C++ parent with
// serialization 'advanced' (NODE_CHANNEL_SERIALIZATION_MODE=advanced). argv[2] is the mode:
//   golden V     answers the n-th message m with [ok, m]: ok when m is deeply equal to what the n-th
//                golden value of messages.txt (V) must read as (the order of tests/v8/read_messages.js)
//   types        sends Map, Set, Date, BigInt and Buffer values made here, then answers each message
//                m (the n-th value sent back) with {round_trip: n, ok: m deeply equal to that value}
//   refused      sends a RegExp and an Error (outside ipcxx's subset), then 'after'; answers every
//                message m with {echo: m}
// The child exits when the parent closes the channel.
'use strict';
const fs = require('fs');
const util = require('util');
const [mode, vectorsPath] = process.argv.slice(2);

if (process.channel === undefined) throw new Error('started without a channel');

if (mode === 'golden') {
    const expected = [];
    let record = {};
    for (const line of fs.readFileSync(vectorsPath, 'utf8').split('\n').concat([''])) {
        if (line === '') {
            if (record.check === 'both' || record.check === 'encode' || (record.check === 'decode' && record.reads)) {
                expected.push(record.reads !== undefined ? record.reads : record.js);
            }
            record = {};
        } else if (!line.startsWith('#')) {
            const colon = line.indexOf(': ');
            record[line.slice(0, colon)] = line.slice(colon + 2);
        }
    }
    let index = 0;
    process.on('message', (m) => {
        const want = expected[index++];
        const ok = want !== undefined && util.isDeepStrictEqual(m, new Function(`return (${want});`)());
        // In an array: send() refuses a top-level undefined or BigInt.
        process.send([ok, m]);
    });
} else if (mode === 'types') {
    const values = [
        new Map([[1, 'one'], ['k', { a: [1, 2] }]]),
        new Set([1, 'x', new Date(0)]),
        new Date(1700000000123),
        [2n ** 64n + 5n, -(2n ** 70n), 2n ** 63n],
        Buffer.from([0, 1, 254, 255]),
        { nested: new Map([[2, new Set([Buffer.from('hi')])]]) },
    ];
    for (const v of values) process.send(v);
    let index = 0;
    process.on('message', (m) => {
        const n = index++;
        process.send({ round_trip: n, ok: util.isDeepStrictEqual(m, values[n]) });
    });
} else if (mode === 'refused') {
    process.send(/x/g);
    process.send(new Error('not in the subset'));
    process.send('after');
    process.on('message', (m) => process.send({ echo: m }));
}
