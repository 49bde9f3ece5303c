# The library's sources, one list per folder (a new file is added here by hand: no globbing, so that
# a file left out or a stray file shows in review). Included by the top-level CMakeLists.txt and by
# tests/fuzz, which compiles the codec alone.
set(IPCXX_SOURCE_ROOT ${CMAKE_CURRENT_LIST_DIR}/..)

set(IPCXX_CLIENT_SOURCES
    ${IPCXX_SOURCE_ROOT}/src/client/client.cpp
    ${IPCXX_SOURCE_ROOT}/src/client/client_impl.cpp
    ${IPCXX_SOURCE_ROOT}/src/client/reconnect_fsm.cpp
    ${IPCXX_SOURCE_ROOT}/src/client/sync_gate.cpp
)
set(IPCXX_CODEC_SOURCES
    ${IPCXX_SOURCE_ROOT}/src/codec/event_names.cpp
    ${IPCXX_SOURCE_ROOT}/src/codec/frame_reader.cpp
    ${IPCXX_SOURCE_ROOT}/src/codec/handshake.cpp
    ${IPCXX_SOURCE_ROOT}/src/codec/js_number.cpp
    ${IPCXX_SOURCE_ROOT}/src/codec/json_decode.cpp
    ${IPCXX_SOURCE_ROOT}/src/codec/json_encode.cpp
    ${IPCXX_SOURCE_ROOT}/src/codec/json_sax.cpp
    ${IPCXX_SOURCE_ROOT}/src/codec/json_string.cpp
    ${IPCXX_SOURCE_ROOT}/src/codec/msgpack_object.cpp
    ${IPCXX_SOURCE_ROOT}/src/codec/msgpack_raw.cpp
    ${IPCXX_SOURCE_ROOT}/src/codec/native_wire.cpp
    ${IPCXX_SOURCE_ROOT}/src/codec/text_encoding.cpp
    ${IPCXX_SOURCE_ROOT}/src/codec/utf8.cpp
    ${IPCXX_SOURCE_ROOT}/src/codec/json_lines.cpp
    ${IPCXX_SOURCE_ROOT}/src/codec/v8_decode.cpp
    ${IPCXX_SOURCE_ROOT}/src/codec/v8_encode.cpp
    ${IPCXX_SOURCE_ROOT}/src/codec/v8_frames.cpp
)
# src/ itself: the public classes without a folder of their own.
set(IPCXX_TOP_SOURCES
    ${IPCXX_SOURCE_ROOT}/src/config.cpp
    ${IPCXX_SOURCE_ROOT}/src/error.cpp
    ${IPCXX_SOURCE_ROOT}/src/ipc.cpp
    ${IPCXX_SOURCE_ROOT}/src/payload.cpp
)
set(IPCXX_CONNECTION_SOURCES
    ${IPCXX_SOURCE_ROOT}/src/connection/ack_tracker.cpp
    ${IPCXX_SOURCE_ROOT}/src/connection/close_fsm.cpp
    ${IPCXX_SOURCE_ROOT}/src/connection/connection.cpp
    ${IPCXX_SOURCE_ROOT}/src/connection/liveness.cpp
    ${IPCXX_SOURCE_ROOT}/src/connection/message_encoder.cpp
    ${IPCXX_SOURCE_ROOT}/src/connection/outbox.cpp
    ${IPCXX_SOURCE_ROOT}/src/connection/reader_fsm.cpp
    ${IPCXX_SOURCE_ROOT}/src/connection/shared_pack.cpp
    ${IPCXX_SOURCE_ROOT}/src/connection/writer_fsm.cpp
)
set(IPCXX_DISPATCH_SOURCES
    ${IPCXX_SOURCE_ROOT}/src/dispatch/event_sink.cpp
    ${IPCXX_SOURCE_ROOT}/src/dispatch/handler_registry.cpp
    ${IPCXX_SOURCE_ROOT}/src/dispatch/requests.cpp
    ${IPCXX_SOURCE_ROOT}/src/dispatch/responder_state.cpp
)
set(IPCXX_PROCESS_SOURCES
    ${IPCXX_SOURCE_ROOT}/src/process/child_process.cpp
    ${IPCXX_SOURCE_ROOT}/src/process/command.cpp
    ${IPCXX_SOURCE_ROOT}/src/process/environment.cpp
    ${IPCXX_SOURCE_ROOT}/src/process/exec.cpp
    ${IPCXX_SOURCE_ROOT}/src/process/fork_launch.cpp
    ${IPCXX_SOURCE_ROOT}/src/process/launch.cpp
    ${IPCXX_SOURCE_ROOT}/src/process/pidfd.cpp
    ${IPCXX_SOURCE_ROOT}/src/process/posix_spawn_launch.cpp
    ${IPCXX_SOURCE_ROOT}/src/process/process_handlers.cpp
    ${IPCXX_SOURCE_ROOT}/src/process/process_impl.cpp
    ${IPCXX_SOURCE_ROOT}/src/process/process_thread.cpp
    ${IPCXX_SOURCE_ROOT}/src/process/stdin_queue.cpp
    ${IPCXX_SOURCE_ROOT}/src/process/stdio_plan.cpp
)
set(IPCXX_RUNTIME_SOURCES
    ${IPCXX_SOURCE_ROOT}/src/runtime/backoff.cpp
    ${IPCXX_SOURCE_ROOT}/src/runtime/handler_pool.cpp
    ${IPCXX_SOURCE_ROOT}/src/runtime/io_thread.cpp
    ${IPCXX_SOURCE_ROOT}/src/runtime/short_lock.cpp
)
set(IPCXX_SERVER_SOURCES
    ${IPCXX_SOURCE_ROOT}/src/server/listener_slot.cpp
    ${IPCXX_SOURCE_ROOT}/src/server/server.cpp
    ${IPCXX_SOURCE_ROOT}/src/server/server_distribute.cpp
    ${IPCXX_SOURCE_ROOT}/src/server/server_connection.cpp
    ${IPCXX_SOURCE_ROOT}/src/server/server_impl.cpp
    ${IPCXX_SOURCE_ROOT}/src/server/socket.cpp
    ${IPCXX_SOURCE_ROOT}/src/server/stream_link.cpp
    ${IPCXX_SOURCE_ROOT}/src/server/udp_link.cpp
    ${IPCXX_SOURCE_ROOT}/src/server/udp_peers.cpp
    ${IPCXX_SOURCE_ROOT}/src/server/udp_server.cpp
    ${IPCXX_SOURCE_ROOT}/src/server/work_distribution.cpp
    ${IPCXX_SOURCE_ROOT}/src/server/connection_threads.cpp
    ${IPCXX_SOURCE_ROOT}/src/server/overflow_monitor.cpp
    ${IPCXX_SOURCE_ROOT}/src/server/topic_filter.cpp
)
set(IPCXX_TRANSPORT_SOURCES
    ${IPCXX_SOURCE_ROOT}/src/transport/endpoint.cpp
    ${IPCXX_SOURCE_ROOT}/src/transport/peer_credentials.cpp
    ${IPCXX_SOURCE_ROOT}/src/transport/tls_verdicts.cpp
    ${IPCXX_SOURCE_ROOT}/src/transport/udp_endpoint.cpp
)
# TLS through OpenSSL, or (IPCXX_TLS off: a build without TLS) the stub that refuses it.
if(IPCXX_TLS)
    list(APPEND IPCXX_TRANSPORT_SOURCES ${IPCXX_SOURCE_ROOT}/src/transport/tls.cpp)
else()
    list(APPEND IPCXX_TRANSPORT_SOURCES ${IPCXX_SOURCE_ROOT}/src/transport/tls_unavailable.cpp)
endif()
set(IPCXX_CHANNEL_SOURCES
    ${IPCXX_SOURCE_ROOT}/src/channel/channel.cpp
    ${IPCXX_SOURCE_ROOT}/src/channel/channel_framing.cpp
    ${IPCXX_SOURCE_ROOT}/src/channel/channel_impl.cpp
    ${IPCXX_SOURCE_ROOT}/src/channel/message_kind.cpp
    ${IPCXX_SOURCE_ROOT}/src/channel/parent_channel.cpp
    ${IPCXX_SOURCE_ROOT}/src/channel/send_queue.cpp
)
# Worker pools of child processes.
set(IPCXX_POOL_SOURCES
    ${IPCXX_SOURCE_ROOT}/src/pool/child_worker_link.cpp
    ${IPCXX_SOURCE_ROOT}/src/pool/pool_fsm.cpp
    ${IPCXX_SOURCE_ROOT}/src/pool/pool_impl.cpp
    ${IPCXX_SOURCE_ROOT}/src/pool/worker_pool.cpp
)
set(IPCXX_SOURCES
    ${IPCXX_CLIENT_SOURCES}
    ${IPCXX_CODEC_SOURCES}
    ${IPCXX_TOP_SOURCES}
    ${IPCXX_CONNECTION_SOURCES}
    ${IPCXX_DISPATCH_SOURCES}
    ${IPCXX_PROCESS_SOURCES}
    ${IPCXX_RUNTIME_SOURCES}
    ${IPCXX_SERVER_SOURCES}
    ${IPCXX_TRANSPORT_SOURCES}
    ${IPCXX_CHANNEL_SOURCES}
    ${IPCXX_POOL_SOURCES}
)
# JSON lines over stdio (a child's stdin/stdout, one's own), on top of the public Channel.
list(APPEND IPCXX_SOURCES
    ${IPCXX_SOURCE_ROOT}/src/channel/child_json_lines.cpp
    ${IPCXX_SOURCE_ROOT}/src/channel/stdio_channel.cpp
)
# RESP2, Redis's wire (codec layer; also compiled alone by tests/fuzz), and the Redis connection
# (docs/redis.md): RedisClient and RedisSubscriber.
set(IPCXX_RESP_SOURCES
    ${IPCXX_SOURCE_ROOT}/src/codec/resp_decode.cpp
    ${IPCXX_SOURCE_ROOT}/src/codec/resp_encode.cpp
)
set(IPCXX_REDIS_SOURCES
    ${IPCXX_SOURCE_ROOT}/src/redis/redis_client.cpp
    ${IPCXX_SOURCE_ROOT}/src/redis/redis_commands.cpp
    ${IPCXX_SOURCE_ROOT}/src/redis/redis_handshake.cpp
    ${IPCXX_SOURCE_ROOT}/src/redis/redis_impl.cpp
    ${IPCXX_SOURCE_ROOT}/src/redis/redis_link_fsm.cpp
    ${IPCXX_SOURCE_ROOT}/src/redis/redis_subscriber.cpp
    ${IPCXX_SOURCE_ROOT}/src/redis/redis_subscriptions.cpp
    ${IPCXX_SOURCE_ROOT}/src/redis/redis_url.cpp
    ${IPCXX_SOURCE_ROOT}/src/redis/sha1.cpp
    ${IPCXX_SOURCE_ROOT}/src/redis/cluster_impl.cpp
    ${IPCXX_SOURCE_ROOT}/src/redis/cluster_map.cpp
    ${IPCXX_SOURCE_ROOT}/src/redis/cluster_script.cpp
    ${IPCXX_SOURCE_ROOT}/src/redis/cluster_slots.cpp
    ${IPCXX_SOURCE_ROOT}/src/redis/cluster_url.cpp
)
list(APPEND IPCXX_SOURCES ${IPCXX_RESP_SOURCES} ${IPCXX_REDIS_SOURCES})
# The event bus on Redis Streams and pub/sub (docs/bus.md): Bus, its socket-free parts (entry layout,
# stream replies, the consumer's decisions).
list(APPEND IPCXX_SOURCES
    ${IPCXX_SOURCE_ROOT}/src/bus/bus.cpp
    ${IPCXX_SOURCE_ROOT}/src/bus/bus_entry.cpp
    ${IPCXX_SOURCE_ROOT}/src/bus/bus_impl.cpp
    ${IPCXX_SOURCE_ROOT}/src/bus/consumer_fsm.cpp
    ${IPCXX_SOURCE_ROOT}/src/bus/stream_reply.cpp
)
# rsmq-compatible queues on Redis: rsmq's rules and replies (socket-free), the Rsmq class.
list(APPEND IPCXX_SOURCES
    ${IPCXX_SOURCE_ROOT}/src/rsmq/rsmq.cpp
    ${IPCXX_SOURCE_ROOT}/src/rsmq/rsmq_impl.cpp
    ${IPCXX_SOURCE_ROOT}/src/rsmq/rsmq_replies.cpp
    ${IPCXX_SOURCE_ROOT}/src/rsmq/rsmq_rules.cpp
)
# Adaptive busy polling of the I/O threads: when to spin and when to sleep (socket-free).
list(APPEND IPCXX_SOURCES
    ${IPCXX_SOURCE_ROOT}/src/runtime/spin_policy.cpp
)
# The kernel's watch of TCP links (Config::heartbeat): keepalive and TCP_USER_TIMEOUT.
list(APPEND IPCXX_SOURCES
    ${IPCXX_SOURCE_ROOT}/src/transport/tcp_keepalive.cpp
)
# rsmq batching: the batch scripts' arguments and replies (socket-free).
list(APPEND IPCXX_SOURCES
    ${IPCXX_SOURCE_ROOT}/src/rsmq/rsmq_batch.cpp
)
# Clients built from equal Configs share one immutable copy of it (docs/memory.md).
list(APPEND IPCXX_SOURCES
    ${IPCXX_SOURCE_ROOT}/src/config_sharing.cpp
)
# A broadcast's writer starts, one posted task per I/O thread (docs/fanout.md).
list(APPEND IPCXX_SOURCES
    ${IPCXX_SOURCE_ROOT}/src/server/write_starts.cpp
)
