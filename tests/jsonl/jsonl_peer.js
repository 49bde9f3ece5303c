'use strict';
// A JSON-lines tool as the jsonl tests meet it: reads one JSON value per line on stdin (readline)
// and writes its answers with console.log(JSON.stringify(...)) on stdout. For each message:
//   {"type":"echo","data":D}     -> {"type":"echo","data":D}
//   {"type":"garbage","data":T}  -> the text T as a line of its own (not JSON), then {"type":"after"}
//   {"type":"exit","data":C}     -> exits with code C
//   anything else                -> {"type":"unknown","data":<the message>}
// It first writes {"type":"ready","data":{"pid":<its pid>}}, and at EOF on stdin
// {"type":"eof","data":{"lines":<lines read>}} (and "eof after N lines" on stderr) before exiting 0.
const readline = require('readline');

// A parent that stopped reading closes our stdout: answers then go nowhere, which is no crash.
process.stdout.on('error', () => {});

let lines = 0;
const say = (type, data) => console.log(JSON.stringify({ type, data }));
say('ready', { pid: process.pid });
const input = readline.createInterface({ input: process.stdin });
input.on('line', (line) => {
  lines++;
  const message = JSON.parse(line);
  switch (message.type) {
    case 'echo':
      say('echo', message.data);
      break;
    case 'garbage':
      console.log(message.data);
      say('after');
      break;
    case 'exit':
      process.exit(message.data);
      break;
    default:
      say('unknown', message);
  }
});
input.on('close', () => {
  say('eof', { lines });
  process.stderr.write(`eof after ${lines} lines\n`);
});
