// Configuration of servers and clients: node-ipc's keys with node-ipc 14's defaults.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "ipcxx/export.hpp"
#include "ipcxx/peer.hpp"

namespace ipcxx {

constexpr std::size_t unlimited = std::numeric_limits<std::size_t>::max();

/// node-ipc 14's default socket root: $XDG_RUNTIME_DIR/node-ipc/ when set, else <tmp>/node-ipc-<uid>/
/// where <tmp> is $TMPDIR, $TMP, $TEMP or /tmp (Node's os.tmpdir()).
IPCXX_API std::string default_socket_root();
/// node-ipc's default id: the host name.
IPCXX_API std::string default_id();

/// Which wire a connection speaks (protocol/PROTOCOL.md).
enum class Wire {
    automatic,  ///< clients say hello; two ipcxx peers switch to the native wire, node-ipc peers stay on JSON
    json,       ///< node-ipc's JSON wire only: no hello, never a native frame
    native,     ///< the native wire or nothing: a peer that is not ipcxx is refused with an error
};

/// TLS over TCP, node-ipc's `tls` object: serve_net / connect_to_net encrypt when `enabled`
/// (Unix sockets are unaffected). At least TLS 1.2. Files are PEM. SECURITY.md has a recommended set.
struct TlsConfig {
    /// Encrypt serve_net / connect_to_net with TLS.
    bool enabled = false;
    std::string certificate_file;       ///< this side's certificate chain (node-ipc: public); a server needs one
    std::string private_key_file;       ///< its private key (node-ipc: private)
    std::string ca_file;                ///< CAs trusted for the peer's certificate (node-ipc: trustedConnections);
                                        ///< empty = the system's store
    std::string server_name;            ///< client: the name the server's certificate must carry; empty = the host
    bool require_client_cert = false;   ///< server: mutual TLS, clients must present a certificate from ca_file
    bool insecure_skip_verify = false;  ///< client: UNSAFE, accept any server certificate (rejectUnauthorized:false)
};

/// Whether this library was built with TLS (CMake option IPCXX_WITH_TLS, docs/building.md). Without
/// it, a server or client with tls.enabled fails with errc::tls_unavailable.
IPCXX_API bool tls_available() noexcept;

/// What watches a stream link for a dead peer (docs/reliability.md, "Dead peers and links").
/// The kernel's watch costs no wake-up while a link is idle; application pings also catch a peer
/// process that is alive but hung, which the kernel cannot see, at the price of a ping and a pong
/// per heartbeat_interval on every idle link. UDP is unaffected.
enum class HeartbeatMode {
    automatic,  ///< the kernel watches: a Unix socket ends when the peer's process dies; TCP and TLS
                ///< links have TCP keepalive (probes from heartbeat_interval) and TCP_USER_TIMEOUT
                ///< (heartbeat_timeout): no pings
    ping,       ///< native wire: a client pings every heartbeat_interval (over Unix sockets too) and
                ///< both ends close after heartbeat_timeout of silence; TCP keepalive as in automatic,
                ///< without TCP_USER_TIMEOUT
    off,        ///< nothing watches: no pings, no keepalive, no TCP_USER_TIMEOUT; a pinging peer is
                ///< still answered, but never closed for silence
};

/// What a server does with a broadcast that does not fit in one subscriber's send queue (its
/// max_pending_bytes), as ZeroMQ's high-water mark and Redis's client-output-buffer-limit do.
/// docs/fanout.md explains the choice of default.
enum class SlowSubscriberPolicy {
    refuse,       ///< the broadcast is not queued for it: counted refused (queue_full), one `error` event each
    drop_newest,  ///< the broadcast is not queued for it: counted dropped, reported in coalesced counts
    drop_oldest,  ///< whole queued messages not yet being written are discarded, oldest first, to make room
};

/// Server: how broadcasts treat a subscriber that does not keep up (docs/fanout.md). Applies to
/// broadcast only: a direct emit to a full queue is always refused with queue_full.
struct SlowSubscriberConfig {
    /// What happens to a broadcast that does not fit in the subscriber's queue.
    SlowSubscriberPolicy policy = SlowSubscriberPolicy::drop_newest;
    /// A subscriber whose queue stayed over its limit this long (judged at each broadcast that
    /// reaches it) is disconnected with errc::subscriber_too_slow. 0: never.
    std::chrono::milliseconds disconnect_after{10000};
    /// Dropped broadcasts are reported per subscriber as one `error` event (errc::messages_dropped)
    /// with the count since the last report, at most once per this interval.
    std::chrono::milliseconds report_interval{1000};
};

/// Everything a Server, Client or Ipc can be configured with, node-ipc's `ipc.config` and
/// ipcxx's own settings. A plain value: copied into each object when it is created.
struct IPCXX_API Config {
    std::string id = default_id();                  ///< this endpoint's id; the server's socket name
    std::string appspace = "app.";                  ///< middle part of the default socket path
    std::string socket_root = default_socket_root();  ///< first part of the default socket path
    std::string network_host = "127.0.0.1";         ///< default host for serve_net / connect_to_net
    std::uint16_t network_port = 8000;              ///< default port for serve_net / connect_to_net

    std::chrono::milliseconds retry{500};           ///< delay before each reconnect attempt
    std::size_t max_retries = unlimited;            ///< reconnect attempts after a close; reset on connect
    bool stop_retrying = false;                     ///< true: never reconnect

    std::size_t max_connections = 100;              ///< server: more are accepted, then closed at once
    bool unlink = true;                             ///< server: replace a stale socket file before listening
    bool readable_all = false;                      ///< server: Unix socket file readable by all users
    bool writable_all = false;                      ///< server: Unix socket file writable by all users

    std::string delimiter = "\f";                   ///< frame terminator of the JSON wire; non-empty

    /// Which wire a connection speaks (see Wire).
    Wire wire = Wire::automatic;
    /// Client, wire = native: how long it waits for the welcome. Server, wire = automatic: how long a
    /// client that says nothing goes without its `connect`. With TLS: the limit of each TLS handshake.
    std::chrono::milliseconds handshake_timeout{2000};
    std::chrono::milliseconds request_timeout{30000};   ///< deadline of requests made without one

    /// Handlers (ipcxx addition). 0: every handler runs on the I/O thread, and must not block it.
    /// N > 0: message and request handlers (and on_cancel callbacks; on a server also `connect` and
    /// `socket.disconnected`) run on a pool of N threads of the library's, so long work never stalls
    /// reads, writes, heartbeats or deadlines. Per connection, they still run one at a time and in the
    /// order of the messages; different connections run in parallel. Other lifecycle and `error`
    /// handlers stay on the I/O thread.
    std::size_t handler_threads = 0;
    /// Server (ipcxx addition): how many I/O threads its connections run on, each with its own
    /// io_context (reactor) and its own busy polling. Each accepted connection is placed on the next
    /// thread in turn and stays there. Per connection nothing changes: its handlers run one at a time,
    /// in the order of its messages. Across connections, with N > 1 handlers of different
    /// connections, server-wide ones included (`connect`, `socket.disconnected`, `error`, `*`), may
    /// run at the same time on different threads even with handler_threads = 0, so what they share
    /// needs its own synchronisation. The listener, the server's own requests and UDP stay on the
    /// first thread. Only a Server with threads of its own (or ipcxx::Ipc's) starts more than one; a
    /// Server on the caller's io_context refuses N > 1 (errc::invalid_argument). Clients ignore it.
    std::size_t io_threads = 1;

    /// Limits (ipcxx additions).
    std::size_t max_message_size = 16u << 20;       ///< largest frame accepted or sent, in bytes
    std::size_t max_pending_bytes = 16u << 20;      ///< bound of the per-connection send queue

    /// Security (ipcxx additions; SECURITY.md says what each one protects against).
    bool take_over = false;                         ///< server: replace even a live server's socket file
    bool abstract_socket = false;                   ///< Linux: Unix socket paths name abstract sockets, no file
    std::vector<std::uint32_t> allowed_uids;        ///< server: Unix-socket clients with another uid are refused; empty = any
    TlsConfig tls;                                  ///< TLS over TCP (above)
    std::vector<std::string> allowed_events;        ///< events sent or received outside it are refused; empty = any
    /// Server: accepts (true) or refuses (false: closed, errc::authentication_refused) each connection
    /// before `connect` and before any of its messages; runs on the connection's strand. Empty = all.
    std::function<bool(const PeerHello&)> authenticate;

    /// node-ipc's other modes.
    bool sync = false;                              ///< client: after one emit, the next waits for a received message
    bool raw_buffer = false;                        ///< no framing: `data` events with the bytes read, emit_raw()
    std::string encoding = "utf8";                  ///< how emit_raw_text() turns text into bytes (node-ipc's names)
    std::chrono::milliseconds udp_peer_expiry{300000};  ///< UDP: a sender silent this long leaves the broadcast list

    /// Performance (ipcxx addition): after handling I/O, the library's own I/O thread may keep
    /// polling for up to this long before it sleeps, so that a prompt reply does not pay for a thread
    /// wake-up (tens of microseconds on virtual machines). Adaptive: the thread polls only while
    /// over three in four of its recent gaps between events were shorter than half of this (where
    /// polling costs less CPU than it saves); otherwise it sleeps at once and tries a poll now and
    /// then, at intervals that double up to one idle period in 64. 0: never poll, sleep at once.
    std::chrono::microseconds busy_poll{50};
    /// Performance (ipcxx addition): the kernel send buffer (SO_SNDBUF) of Unix-socket connections.
    /// Linux's default (208 KiB) makes a fast sender wait for the reader after every few writes; 4 MiB
    /// is what TCP's own tuning gives a loopback connection. The kernel caps it at
    /// net.core.wmem_max. 0: the system default.
    std::size_t unix_send_buffer = 4u << 20;

    /// Reliability (ipcxx additions): limits on what peers send, dead-peer detection, reconnect
    /// backoff, graceful close. 0 turns a duration off.
    std::size_t max_event_name_length = 1024;       ///< longest event name accepted or sent, in bytes
    std::chrono::milliseconds message_timeout{30000};     ///< a frame left incomplete with no new byte for this long closes the link
    HeartbeatMode heartbeat = HeartbeatMode::automatic;  ///< what watches a link for a dead peer (HeartbeatMode)
    std::chrono::milliseconds heartbeat_interval{5000};   ///< automatic: the TCP keepalive idle time and probe interval (whole seconds); ping: a client pings this often
    std::chrono::milliseconds heartbeat_timeout{15000};   ///< automatic: TCP_USER_TIMEOUT and the end of keepalive probing; ping: silence beyond this closes the link
    std::chrono::milliseconds retry_backoff_max{0};       ///< > retry: reconnect delays double up to this cap
    double retry_jitter = 0.0;                      ///< 0..1: each reconnect delay varies by +/- this fraction
    std::chrono::milliseconds disconnect_timeout{5000};   ///< client disconnect(): how long queued messages may take to flush

    /// Fan-out (ipcxx addition): slow subscribers (above).
    SlowSubscriberConfig slow_subscriber;
    /// Client (ipcxx addition): the broadcasts it subscribes to from its first hello on, as
    /// Client::subscribe; empty = every broadcast.
    std::vector<std::string> topics;

    bool silent = false;                            ///< suppress the library's log lines
    std::function<void(std::string_view)> logger;   ///< where log lines go; empty = stderr

    /// Unix socket path for a server id: socket_root + appspace + id (plain concatenation, as node-ipc).
    std::string socket_path(std::string_view server_id) const;

    /// Throws ipcxx::Error(errc::invalid_argument) naming the first key whose value cannot work.
    /// Servers and clients call it on construction.
    void validate() const;
};

}  // namespace ipcxx
