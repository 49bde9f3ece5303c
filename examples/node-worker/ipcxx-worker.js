// The worker side of ipcxx's WorkerPool for Node.js, with Node's built-ins only.
//
// The pool sends each request over Node's IPC channel as
//   {type: 'ipcxx.request', data: {id, event, data, timeout}}
// and waits for exactly one answer with the same id:
//   {type: 'ipcxx.response', data: {id, data}}                       a result
//   {type: 'ipcxx.response', data: {id, error: {code, message}}}     an error (remote_error)
// `timeout` (ms), when present, is how long the pool still waits; an answer after it is dropped.
// `ipcxx.cancel` messages ({id}) say the pool no longer waits; a worker may ignore them.
'use strict';

function answer(id, result) {
    if (process.connected) process.send({type: 'ipcxx.response', data: Object.assign({id}, result)});
}

// serve({event: (data, {deadline}) => value or Promise}): answers the pool's requests until the
// channel closes (the pool closes it to stop a worker; then the process may end).
function serve(handlers) {
    process.on('message', (message) => {
        if (!message || message.type !== 'ipcxx.request' || !message.data) return;
        const {id, event, data, timeout} = message.data;
        const handler = Object.prototype.hasOwnProperty.call(handlers, event) ? handlers[event] : undefined;
        if (!handler) {
            answer(id, {error: {code: 'no_handler', message: `no handler for '${event}'`}});
            return;
        }
        const deadline = typeof timeout === 'number' ? Date.now() + timeout : undefined;
        Promise.resolve()
            .then(() => handler(data, {deadline}))
            .then((value) => answer(id, {data: value === undefined ? null : value}),
                  (e) => answer(id, {error: {code: (e && e.code) || 'handler_exception', message: String(e && e.message || e)}}));
    });
    process.on('disconnect', () => process.exit(0));
}

module.exports = {serve};
