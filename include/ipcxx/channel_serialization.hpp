// How Node's IPC channel frames its messages: a value of both the channel's and the spawn options.
#pragma once

namespace ipcxx {

/// How a channel frames its messages on the byte link (Node's `serialization` option).
enum class ChannelSerialization {
    json,  ///< Node's `serialization: 'json'`: JSON.stringify(message) + '\n' per message (JSON lines)
    /// Node's `serialization: 'advanced'`: a uint32 big-endian length, then V8's structured-clone
    /// bytes; a subset of its types, mapped to msgpack as docs/v8-serialization.md says.
    advanced,
};

}  // namespace ipcxx
