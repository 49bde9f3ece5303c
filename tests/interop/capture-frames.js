#!/usr/bin/env node
// Records the exact bytes node-ipc's encoder puts on the wire for a list of
// (type, data) cases: a real node-ipc client talks to a raw net server that
// only collects bytes. Output: one JSON line per case,
//   {"name":..., "type":..., "data":..., "hex":..., ["input":...], ["data_omitted":true]}
// hex = the frame including its trailing 0c delimiter. data = the value passed to
// emit (as JSON). "input" is set when that JSON alone cannot reproduce the value
// given to emit (NaN, -0, key order before JS reordered it, ...). "data_omitted":
// emit(type) was called without data (node-ipc then sends {}). Usage: node capture-frames.js [--version 14|9]
'use strict';

const net = require('node:net');

const version = process.argv[2] === '--version' ? process.argv[3] : '14';

const ctrl = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('');

// [name, type, data, input]
const cases = [
  // strings: every escape class
  ['str-ctrl-all', 's', `<${ctrl}>`],
  ['str-formfeed', 's', 'a\fb'],
  ['str-short-escapes', 's', '\b\t\n\f\r'],
  ['str-quote', 's', 'say "hi"'],
  ['str-backslash', 's', 'C:\\dir\\'],
  ['str-slash', 's', 'a/b</script>'],
  ['str-del-7f', 's', 'x\x7fy'],
  ['str-u2028', 's', 'x\u2028y'],
  ['str-u2029', 's', 'x\u2029y'],
  ['str-lone-high-surrogate', 's', 'a\ud800b'],
  ['str-lone-low-surrogate', 's', 'a\udc00b'],
  ['str-reversed-surrogates', 's', '\udc00\ud800'],
  ['str-emoji', 's', '🌍😀👍🏽'],
  ['str-unicode', 's', 'é中文Ωß\u00a0\ufeff\uffff'],
  ['str-empty', 's', ''],
  ['str-long', 's', 'a'.repeat(5000)],
  // integers
  ['int-0', 'n', 0],
  ['int-neg-0', 'n', -0, '-0'],
  ['int-minus-1', 'n', -1],
  ['int-2^31', 'n', 2 ** 31],
  ['int-2^31-1', 'n', 2 ** 31 - 1],
  ['int-minus-2^31', 'n', -(2 ** 31)],
  ['int-2^32', 'n', 2 ** 32],
  ['int-2^53', 'n', 2 ** 53],
  ['int-minus-2^53', 'n', -(2 ** 53)],
  ['int-2^53+1-rounds', 'n', 9007199254740993, '9007199254740993'],
  ['int-1e20', 'n', 1e20],
  // floats and exponents
  ['float-1.5', 'n', 1.5],
  ['float-minus-1.5e-7', 'n', -1.5e-7],
  ['float-3.14159', 'n', 3.14159],
  ['float-1e21', 'n', 1e21],
  ['float-1e-7', 'n', 1e-7],
  ['float-1e-6', 'n', 1e-6],
  ['float-123e-20', 'n', 123e-20],
  ['float-1e300', 'n', 1e300],
  ['float-5e-324', 'n', 5e-324],
  ['float-max', 'n', Number.MAX_VALUE],
  ['float-0.1+0.2', 'n', 0.1 + 0.2, '0.1+0.2'],
  ['float-nan', 'n', NaN, 'NaN'],
  ['float-infinity', 'n', Infinity, 'Infinity'],
  ['float-minus-infinity', 'n', -Infinity, '-Infinity'],
  // literals and containers
  ['null', 'v', null],
  ['true', 'v', true],
  ['false', 'v', false],
  ['undefined-data', 'v', undefined, 'undefined'],
  ['empty-object', 'v', {}],
  ['empty-array', 'v', []],
  ['nested', 'v', { a: [1, [2, [3, {}]], { b: { c: null } }], d: { e: [] }, f: 'g' }],
  ['array-mixed', 'v', [0, -1.5, 'x', null, true, false, [], {}, [[]]]],
  ['int-like-keys', 'v', JSON.parse('{"b":1,"10":2,"2":3,"a":4,"1":5,"01":6,"-1":7,"4294967295":8,"4294967294":9}'),
    '{"b":1,"10":2,"2":3,"a":4,"1":5,"01":6,"-1":7,"4294967295":8,"4294967294":9}'],
  ['keys-needing-escapes', 'v', { 'k"\\\n': 1, 'é': 2, '': 3 }],
  ['buffer', 'v', Buffer.from([0, 1, 2, 0x0c, 0x7f, 0x80, 0xff]), 'Buffer.from([0,1,2,12,127,128,255])'],
  ['date', 'v', new Date(0), 'new Date(0)'],
  // unusual event names
  ['type-empty', '', 1],
  ['type-space', ' ', 1],
  ['type-spaces', ' a b  c ', 1],
  ['type-unicode', 'événement-事件-🎉', 1],
  ['type-proto', '__proto__', 1],
  ['type-constructor', 'constructor', 1],
  ['type-punct', 'a.b:c/d', 1],
  ['type-formfeed', 'x\fy', 1],
  ['type-nul', 'x\u0000y', 1],
  ['type-star', '*', 1],
];

const END = '__capture_end__';

async function main() {
  const ipc = version === '14'
    ? new (await import('node-ipc-14')).IPCModule()
    : new (require('node-ipc-9').IPC)();
  ipc.config.silent = true;
  ipc.config.stopRetrying = true;

  const chunks = [];
  const server = net.createServer((sock) => {
    sock.on('data', (b) => {
      chunks.push(b);
      // Done once the end marker frame has arrived in full.
      const all = Buffer.concat(chunks);
      if (all.includes(Buffer.from(`"type":"${END}"`)) && all[all.length - 1] === 0x0c) finish(all);
    });
  });

  function finish(all) {
    const frames = [];
    let start = 0;
    for (let i = 0; i < all.length; i++) {
      if (all[i] === 0x0c) {
        frames.push(all.subarray(start, i + 1));
        start = i + 1;
      }
    }
    frames.pop(); // end marker
    if (frames.length !== cases.length) {
      process.stderr.write(`capture-frames: got ${frames.length} frames for ${cases.length} cases\n`);
      process.exit(1);
    }
    cases.forEach(([name, type, data, input], i) => {
      const line = { name, type };
      if (data !== undefined) line.data = data;
      else line.data_omitted = true;
      line.hex = frames[i].toString('hex');
      if (input !== undefined) line.input = input;
      process.stdout.write(JSON.stringify(line) + '\n');
    });
    process.exit(0);
  }

  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    ipc.connectToNet('capture', '127.0.0.1', port, () => {
      const client = ipc.of.capture;
      client.on('connect', () => {
        for (const [, type, data] of cases) {
          if (data === undefined) client.emit(type); // data argument really omitted
          else client.emit(type, data);
        }
        client.emit(END, 0);
      });
      client.on('error', (e) => {
        process.stderr.write(`capture-frames: ${e.message}\n`);
        process.exit(1);
      });
    });
  });
  setTimeout(() => {
    process.stderr.write('capture-frames: timed out\n');
    process.exit(1);
  }, 10000).unref();
}

main();
