// The Node side of the channel benchmark. As a child (argv[2] === 'child'): counts {"s":...}
// messages and answers {"end":1} with {"count":n}, echoes {"e":...}, disconnects on "bye".
// Run directly: forks itself and measures Node <-> Node over Node's own channel, printing one JSON
// line {"stream_per_s":...,"round_trips_per_s":...}.
'use strict';
const { fork } = require('child_process');

if (process.argv[2] === 'child') {
    let n = 0;
    process.on('message', (m) => {
        if (m === 'bye') return process.disconnect();
        if (m.s !== undefined) n++;
        else if (m.end) { process.send({ count: n }); n = 0; }
        else process.send(m);
    });
} else {
    const messages = Number(process.argv[2] || 200000);
    const roundTrips = Number(process.argv[3] || 100000);
    const inFlight = 64;
    const payload = 'x'.repeat(64);
    const child = fork(__filename, ['child']);
    const result = {};
    let phase = 'stream';
    let start = process.hrtime.bigint();
    let sent = 0;
    let received = 0;
    const seconds = () => Number(process.hrtime.bigint() - start) / 1e9;
    child.on('message', (m) => {
        if (phase === 'stream') {
            result.stream_per_s = Math.round(m.count / seconds());
            phase = 'rtt';
            start = process.hrtime.bigint();
            for (; sent < inFlight; sent++) child.send({ e: sent });
            return;
        }
        received++;
        if (sent < roundTrips) child.send({ e: sent++ });
        if (received === roundTrips) {
            result.round_trips_per_s = Math.round(roundTrips / seconds());
            console.log(JSON.stringify(result));
            child.send('bye');
        }
    });
    for (let i = 0; i < messages; i++) child.send({ s: payload });
    child.send({ end: 1 });
}
