#!/usr/bin/env node
// Re-creates the `frame` of every record of messages.txt that has a `js` value: the bytes Node 20's
// IPC channel writes for it with `serialization: 'advanced'` (its own ChildProcessSerializer, through
// the channel's writeChannelMessage: length prefix included).
//   node generate.js            rewrites messages.txt in place
//   node generate.js --check    exits 1 when a frame differs from what this Node writes
// Records without `js` (hand-made frames: errors, what ipcxx's encoder writes) are left as they are.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

// The channel's serializer is internal to Node: reachable with --expose-internals only.
if (!process.execArgv.includes('--expose-internals')) {
    const run = spawnSync(process.execPath, ['--expose-internals', __filename, ...process.argv.slice(2)],
                          { stdio: 'inherit' });
    process.exit(run.status === null ? 1 : run.status);
}

const { advanced } = require('internal/child_process/serialization');

function channelBytes(value) {
    let written = null;
    const channel = { writeBuffer(req, buffer) { written = Buffer.from(buffer); return 0; } };
    advanced.writeChannelMessage(channel, {}, value, undefined);
    return written.toString('hex');
}

const file = path.join(__dirname, 'messages.txt');
const check = process.argv.includes('--check');
const lines = fs.readFileSync(file, 'utf8').split('\n');
let js = null;
let name = null;
let differ = 0;
let made = 0;
for (let i = 0; i < lines.length; ++i) {
    const line = lines[i];
    if (line === '') js = name = null;
    if (line.startsWith('name: ')) name = line.slice(6);
    if (line.startsWith('js: ')) js = line.slice(4);
    if (js !== null && line.startsWith('frame: ')) {
        const value = new Function(`return (${js});`)();
        const frame = channelBytes(value);
        ++made;
        if (line.slice(7) !== frame) {
            ++differ;
            if (check) console.error(`${name}: Node writes ${frame}, the file has ${line.slice(7)}`);
            lines[i] = `frame: ${frame}`;
        }
    }
}
if (check) {
    console.log(`${made - differ} passed, ${differ} failed`);
    process.exit(differ === 0 ? 0 : 1);
}
fs.writeFileSync(file, lines.join('\n'));
console.log(`${made} frames made, ${differ} changed`);
