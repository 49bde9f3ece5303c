#!/usr/bin/env node
// A scriptable node-ipc endpoint for ipcxx interop tests.
// Events go to stdout as JSON lines, commands come from stdin as JSON lines.
// See README.md in this folder for the exact formats.
'use strict';

const net = require('node:net');
const readline = require('node:readline');

function usage(msg) {
  process.stderr.write(`peer.js: ${msg}\n` +
    'usage: node peer.js --version 14|9 --role server|client [--id ID] [--server-id SID]\n' +
    '         [--unix PATH | --tcp HOST:PORT | --default-path] [--retry MS] [--max-retries N]\n' +
    '         [--max-connections N] [--echo] [--answer-requests] [--raw-log]\n' +
    '         [--delimiter-hex HEX] [--sync] [--raw] [--encoding ENC] [--udp4 HOST:PORT | --udp6 HOST:PORT]\n' +
    '         [--tls-cert FILE --tls-key FILE] [--tls-ca FILE] [--tls-require-client-cert]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { echo: false, rawLog: false, answerRequests: false };
  const flags = {
    '--echo': 'echo', '--raw-log': 'rawLog', '--default-path': 'defaultPath', '--answer-requests': 'answerRequests',
    '--sync': 'sync', '--raw': 'raw',
    '--tls-require-client-cert': 'tlsRequireClientCert',
  };
  const valued = {
    '--version': 'version', '--role': 'role', '--id': 'id', '--server-id': 'serverId',
    '--unix': 'unix', '--tcp': 'tcp', '--retry': 'retry', '--max-retries': 'maxRetries',
    '--max-connections': 'maxConnections', '--delimiter-hex': 'delimiterHex', '--encoding': 'encoding',
    '--udp4': 'udp4', '--udp6': 'udp6',
    '--tls-cert': 'tlsCert', '--tls-key': 'tlsKey', '--tls-ca': 'tlsCa',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (flags[a]) o[flags[a]] = true;
    else if (valued[a] && i + 1 < argv.length) o[valued[a]] = argv[++i];
    else usage(`bad argument ${a}`);
  }
  if (o.version !== '14' && o.version !== '9') usage('--version must be 14 or 9');
  if (o.role !== 'server' && o.role !== 'client') usage('--role must be server or client');
  if ([o.unix, o.tcp, o.defaultPath, o.udp4, o.udp6].filter(Boolean).length !== 1) {
    usage('give exactly one of --unix, --tcp, --default-path, --udp4, --udp6');
  }
  o.udp = o.udp4 ? 'udp4' : o.udp6 ? 'udp6' : null;
  if (o.udp && o.role !== 'server') usage('node-ipc has UDP servers only');
  const hostPort = o.tcp || o.udp4 || o.udp6;
  if (hostPort) {
    // HOST:PORT, the host may be a bracketed IPv6 address ([::1]:0).
    const m = /^\[?(.*?)\]?:(\d+)$/.exec(hostPort);
    if (!m) usage('--tcp wants HOST:PORT');
    o.host = m[1];
    o.port = Number(m[2]);
  }
  for (const k of ['retry', 'maxRetries', 'maxConnections']) {
    if (o[k] !== undefined) {
      o[k] = Number(o[k]);
      if (Number.isNaN(o[k])) usage(`--${k} wants a number`);
    }
  }
  return o;
}

const opt = parseArgs(process.argv.slice(2));

// stdout is a pipe: writes are synchronous on Linux, so every line is flushed at once.
// If the driver went away there is nobody left to talk to.
process.stdout.on('error', () => process.exit(0));

// Received payloads are plain JSON values; only 9.2.1's js-message "error" event
// carries a real Error object, which JSON.stringify would turn into {}.
function replacer(key, value) {
  if (value instanceof Error) return { name: value.name, message: value.message, code: value.code };
  return value;
}

function out(obj) {
  let line;
  try {
    line = JSON.stringify(obj, replacer);
  } catch (e) {
    line = JSON.stringify({ ev: 'harness-error', message: `cannot serialise event: ${e.message}` });
  }
  process.stdout.write(line + '\n');
}

function harnessError(message, extra) {
  out({ ev: 'harness-error', message, ...extra });
}

function errorEvent(err) {
  const e = { ev: 'error', code: (err && err.code) || null, message: String((err && err.message) || err) };
  return e;
}

async function loadIPC() {
  if (opt.version === '14') {
    // 14.0.0 is an ES module; its entry point exports the IPCModule class.
    const mod = await import('node-ipc-14');
    return new mod.IPCModule();
  }
  // 9.2.1 exports a singleton whose .IPC property is the class.
  return new (require('node-ipc-9').IPC)();
}

async function main() {
  const ipc = await loadIPC();
  const cfg = ipc.config;
  cfg.silent = !opt.rawLog;
  if (opt.rawLog) {
    // node-ipc's own log goes to stderr so stdout stays pure JSON lines.
    cfg.logInColor = false;
    cfg.logPayloads = true; // 14 only: also log every sent/received event
    cfg.logger = (s) => process.stderr.write(`[node-ipc ${opt.version}] ${s}\n`);
  }
  if (opt.id !== undefined) cfg.id = opt.id;
  if (opt.retry !== undefined) cfg.retry = opt.retry;
  if (opt.maxRetries !== undefined) cfg.maxRetries = opt.maxRetries;
  if (opt.maxConnections !== undefined) cfg.maxConnections = opt.maxConnections;
  if (opt.delimiterHex !== undefined) cfg.delimiter = Buffer.from(opt.delimiterHex, 'hex').toString('utf8');
  if (opt.sync) cfg.sync = true;
  if (opt.raw) cfg.rawBuffer = true;
  if (opt.encoding !== undefined) cfg.encoding = opt.encoding;
  if (opt.tlsCert || opt.tlsCa) {
    // node-ipc's tls object: file paths it reads itself; verification stays on (its default).
    cfg.tls = {};
    if (opt.tlsCert) Object.assign(cfg.tls, { public: opt.tlsCert, private: opt.tlsKey });
    if (opt.tlsCa) cfg.tls.trustedConnections = [opt.tlsCa];
    if (opt.role === 'server') {
      cfg.tls.requestCert = Boolean(opt.tlsRequireClientCert);
      cfg.tls.rejectUnauthorized = Boolean(opt.tlsRequireClientCert);
    }
  }

  const isServer = opt.role === 'server';
  const sid = opt.serverId || 'server';

  // Per-socket serial numbers for the server side.
  const serialOf = new WeakMap();
  const sockets = new Map();
  let nextSerial = 1;
  let lastSock = null;

  let endpoint; // ipc.server or ipc.of[sid]
  if (isServer) {
    if (opt.udp) {
      // As for TCP below, port 0 must be set after serveNet(), which takes 0 for "the default".
      ipc.serveNet(opt.host, opt.port || 1, opt.udp);
      if (opt.port === 0) ipc.server.port = 0;
    } else if (opt.tcp) {
      // serveNet() and start() treat a falsy port as "use the default 8000" / "Unix
      // socket", so port 0 is passed as the string '0', which net.listen() accepts.
      ipc.serveNet(opt.host, opt.port || 1);
      if (opt.port === 0) ipc.server.port = '0';
    } else if (opt.unix) {
      ipc.serve(opt.unix);
    } else {
      ipc.serve(); // socketRoot + appspace + id
    }
    endpoint = ipc.server;
  } else {
    if (opt.tcp) ipc.connectToNet(sid, opt.host, opt.port);
    else if (opt.unix) ipc.connectTo(sid, opt.unix);
    else ipc.connectTo(sid); // socketRoot + appspace + sid
    endpoint = ipc.of[sid];
  }

  const sockNo = (socket) => serialOf.get(socket) ?? null;
  // A stream socket, or a UDP peer record ({address, port, ipcBuffer, ...}).
  const isSocket = (x) => x instanceof net.Socket ||
    (opt.udp !== null && x !== null && typeof x === 'object' && 'ipcBuffer' in x && 'port' in x);
  // UDP peers are never "connected": they get their serial when their first datagram arrives.
  const noteSocket = (socket) => {
    if (!socket || serialOf.has(socket)) return;
    const n = nextSerial++;
    serialOf.set(socket, n);
    sockets.set(n, socket);
    lastSock = socket;
  };

  // Wire messages and lifecycle events share one pub/sub channel in node-ipc, and a
  // wire event may even be named "connect". They differ in their arguments: a
  // received frame is published as (type, data) on a client and (type, data, socket)
  // on a server, where data is parsed JSON (never an Error or a socket). Lifecycle
  // events are (), (Error), (socket), (server) or (socket, id). So wrap the
  // publisher, report frames here, and let our lifecycle handlers ignore them.
  let fromWire = false;
  const origPublish = endpoint.publish;
  const wrapped = function (type, ...args) {
    const wire = isServer
      ? args.length === 2 && isSocket(args[1]) && !isSocket(args[0])
      : args.length === 1 && !(args[0] instanceof Error);
    if (!wire) return origPublish.call(this, type, ...args);
    onMessage(type, args[0], isServer ? args[1] : null);
    fromWire = true;
    try {
      // Still deliver it, so node-ipc's own subscribers behave as usual.
      return origPublish.call(this, type, ...args);
    } finally {
      fromWire = false;
    }
  };
  endpoint.publish = wrapped;
  if (endpoint.trigger) endpoint.trigger = wrapped; // 9.2.1 publishes "start" via trigger

  function onMessage(type, data, socket) {
    if (opt.udp) noteSocket(socket);
    if (opt.raw && type === 'data' && Buffer.isBuffer(data)) return onRawData(data, socket);
    // type is undefined only for non-envelope frames (node-ipc 14 crashes right after).
    const ev = { ev: 'message', type: type === undefined ? null : type, data: data === undefined ? null : data };
    if (data === undefined) ev.undefined = true;
    if (socket) ev.sock = sockNo(socket);
    out(ev);
    if (type === 'ipcxx.response') onResponse(data);
    if (type === 'ipcxx.request' && opt.answerRequests) answerRequest(data, socket);
    if (!opt.echo) return;
    try {
      if (socket) ipc.server.emit(socket, type, data);
      else endpoint.emit(type, data);
    } catch (e) {
      harnessError(`echo failed: ${e.message}`);
    }
  }

  // Raw profile: the bytes exactly as read; --echo writes them back unchanged.
  function onRawData(bytes, socket) {
    const ev = { ev: 'data', hex: bytes.toString('hex') };
    if (socket) ev.sock = sockNo(socket);
    out(ev);
    if (!opt.echo) return;
    if (socket) ipc.server.emit(socket, bytes);
    else endpoint.emit(bytes);
  }

  // ipcxx's request/response convention of the JSON wire (protocol/PROTOCOL.md, section 4).
  const requestHandlers = {
    add: ([a, b]) => a + b,
    fail: (message) => { throw new Error(String(message)); },
  };
  function answerRequest({ id, event, data }, socket) {
    const handler = Object.hasOwn(requestHandlers, event) && requestHandlers[event];
    let reply;
    if (!handler) {
      reply = { id, error: { code: 'no_handler', message: `no handler for '${event}'` } };
    } else {
      try {
        reply = { id, data: handler(data) };
      } catch (e) {
        reply = { id, error: { code: 'handler_exception', message: e.message } };
      }
    }
    if (socket) ipc.server.emit(socket, 'ipcxx.response', reply);
    else endpoint.emit('ipcxx.response', reply);
  }
  let nextRequestId = 1;
  const outstanding = new Set();
  function onResponse({ id, data, error }) {
    if (!outstanding.delete(id)) return; // not ours, or answered already
    out(error ? { ev: 'response', id, error } : { ev: 'response', id, data: data === undefined ? null : data });
  }

  // Lifecycle handlers; the `fromWire` guard skips frames named like lifecycle events.
  const on = (name, fn) => endpoint.on(name, (...a) => { if (!fromWire) fn(...a); });
  on('error', (err) => out(errorEvent(err)));
  if (isServer) {
    on('start', () => {
      const addr = ipc.server.server && ipc.server.server.address();
      if (addr && typeof addr === 'object') {
        out({ ev: 'listening', port: addr.port, path: null, host: addr.address });
      } else {
        out({ ev: 'listening', port: null, path: ipc.server.path });
      }
    });
    on('connect', (socket) => {
      if (opt.udp) return out({ ev: 'bound' }); // 14 publishes its dgram socket once, at bind
      const n = nextSerial++;
      serialOf.set(socket, n);
      sockets.set(n, socket);
      lastSock = socket;
      out({ ev: 'connect', sock: n });
    });
    on('socket.disconnected', (socket, id) => {
      sockets.delete(sockNo(socket));
      if (lastSock === socket) lastSock = null;
      out({ ev: 'socket.disconnected', sock: sockNo(socket), id: id === undefined ? null : id });
    });
    on('close', (socket) => {
      // 14's server.stop() publishes only "close" for its sockets, so report it too.
      // (9.2.1 passes Node's hadError boolean instead of the socket: sock is null.)
      const n = sockNo(socket);
      sockets.delete(n);
      if (lastSock === socket) lastSock = null;
      out({ ev: 'close', sock: n });
    });
    try {
      ipc.server.start();
    } catch (e) {
      out(errorEvent(e)); // e.g. ERR_IPC_UNLINK_NOT_SOCKET, ERR_IPC_SOCKET_ROOT
    }
  } else {
    on('connect', () => out({ ev: 'connect' }));
    on('disconnect', () => out({ ev: 'disconnect' }));
    on('destroy', () => out({ ev: 'destroy' }));
  }

  function targetSocket(cmd) {
    if (!isServer) {
      const c = ipc.of[sid];
      if (!c || !c.socket) throw new Error('client is not connected (or was stopped)');
      return c.socket;
    }
    // A UDP endpoint may write to any address: node-ipc takes any object with address and port.
    if (opt.udp && cmd.address !== undefined) return { address: cmd.address, port: cmd.port };
    const s = cmd.sock === undefined ? lastSock : sockets.get(cmd.sock);
    if (!s) throw new Error(`no such server socket: ${cmd.sock === undefined ? '(none connected)' : cmd.sock}`);
    return s;
  }

  function emit(cmd, data) {
    if (isServer) return ipc.server.emit(targetSocket(cmd), cmd.type, data);
    if (!ipc.of[sid]) throw new Error('client was stopped');
    return ipc.of[sid].emit(cmd.type, data);
  }

  function rawEmit(cmd, payload) {
    if (isServer) return ipc.server.emit(targetSocket(cmd), payload);
    if (!ipc.of[sid]) throw new Error('client was stopped');
    return ipc.of[sid].emit(payload);
  }

  const commands = {
    // "data" absent means undefined, so the omitted-data case can be tested.
    emit: (cmd) => emit(cmd, cmd.data),
    buffer: (cmd) => emit(cmd, Buffer.from(cmd.hex || '', 'hex')),
    broadcast: (cmd) => {
      if (!isServer) throw new Error('broadcast is server only');
      ipc.server.broadcast(cmd.type, cmd.data);
    },
    emit_raw: (cmd) => targetSocket(cmd).write(Buffer.from(cmd.hex || '', 'hex')),
    // Raw profile: emit(Buffer) writes the bytes as given, emit(string) through config.encoding.
    raw: (cmd) => rawEmit(cmd, Buffer.from(cmd.hex || '', 'hex')),
    raw_text: (cmd) => rawEmit(cmd, cmd.text),
    // UDP: one datagram of exactly these bytes from the server's socket to address:port.
    datagram: (cmd) => ipc.server.server.send(Buffer.from(cmd.hex || '', 'hex'), cmd.port, cmd.address),
    request: (cmd) => {
      const id = nextRequestId++;
      outstanding.add(id);
      emit({ ...cmd, type: 'ipcxx.request' }, { id, event: cmd.event, data: cmd.data });
    },
    stop: () => (isServer ? ipc.server.stop() : ipc.disconnect(sid)),
    exit: () => process.exit(0),
  };

  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    if (!line.trim()) return;
    let cmd;
    try {
      cmd = JSON.parse(line);
    } catch (e) {
      return harnessError(`bad JSON command: ${e.message}`, { line });
    }
    const fn = cmd && typeof cmd === 'object' && Object.hasOwn(commands, cmd.cmd) && commands[cmd.cmd];
    if (!fn) return harnessError('unknown command', { cmd: cmd && cmd.cmd });
    try {
      fn(cmd);
    } catch (e) {
      harnessError(`${cmd.cmd} failed: ${e.message}`, { code: e.code || null });
    }
  });
  // The driver closing our stdin means the test is over; never linger as an orphan.
  rl.on('close', () => process.exit(0));
}

main().catch((e) => {
  out({ ev: 'harness-error', message: `startup failed: ${e && e.stack || e}` });
  process.exit(1);
});
