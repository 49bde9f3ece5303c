// Shared pieces of the interop tests: node-ipc peers and ipcxx endpoints on either transport,
// peer.js command/line builders, the golden frames, a raw listener to capture bytes.
#pragma once

#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ipcxx/ipcxx.hpp"
#include "node_peer.hpp"
#include "support/fixtures.hpp"
#include "support/pair.hpp"

namespace interop {

using test::Transport;

// Where a server listens.
struct Address {
    Transport transport = Transport::unix_socket;
    std::string path;
    std::uint16_t port = 0;
};

std::vector<std::string> address_args(const Address& address);

// A node-ipc server (peer.js, id "server") listening at a fresh path in `dir` or on `port` (0 = any).
struct NodeServer {
    std::unique_ptr<NodePeer> peer;
    Address address;
};
NodeServer start_node_server(const std::string& version, Transport transport, const test::TempDir& dir,
                             std::vector<std::string> extra = {}, std::uint16_t port = 0);
// Like start_node_server, on an address used before (a restart).
NodeServer start_node_server_at(const std::string& version, const Address& address,
                                std::vector<std::string> extra = {});
// A node-ipc client (peer.js) of server "server" retrying every 20 ms; does not wait for connect.
std::unique_ptr<NodePeer> start_node_client(const std::string& version, const Address& address,
                                            std::vector<std::string> extra = {});

// node-ipc clients say no hello: an ipcxx server announces one (`connect`) at its first frame, or
// after handshake_timeout if it sends nothing. The config of a server for them, with that wait
// shortened from the default 2 s.
ipcxx::Config server_config_in(const test::TempDir& dir, const std::string& id = "world");
// The same wait for a config made otherwise.
void expect_silent_clients(ipcxx::Config& config);

// ipcxx endpoints on the same terms: a server at `dir`/ipcxx.sock or 127.0.0.1:`port`, a client of "server".
Address serve(ipcxx::Server& server, Transport transport, const test::TempDir& dir, std::uint16_t port = 0);
void connect(ipcxx::Client& client, const Address& address);

// JSON.stringify of a string (ipcxx's encoder, byte-identical to node's for valid UTF-8).
std::string json_string(std::string_view s);
std::string to_hex(std::string_view bytes);
std::string from_hex(std::string_view hex);

// peer.js commands; sock 0 = the server's last connected socket (or a client's own).
std::string emit_cmd(std::string_view type, std::string_view data_json, std::uint64_t sock = 0);
std::string emit_raw_cmd(std::string_view bytes, std::uint64_t sock = 0);
// The exact line peer.js prints for a received message (sock is added by servers).
std::string message_line(std::string_view type, std::string_view data_json, std::uint64_t sock = 0);

// golden/node14-frames.jsonl
struct GoldenCase {
    std::string name;
    std::string type;
    std::string data_json;  // the data as node-ipc wrote it in the frame; empty when data_omitted
    std::string input;      // the JavaScript value when data alone cannot reproduce it
    bool data_omitted = false;
    std::string frame;      // the bytes node-ipc 14 sent, delimiter included
};
const std::vector<GoldenCase>& golden_cases();
// msgpack of the value node-ipc was given (empty = no data); built explicitly for `input` cases.
std::string golden_msgpack(const GoldenCase& c);
// ipcxx refuses to send or accept "" and reserved names ("*"): node-ipc would take them.
bool ipcxx_accepts_type(std::string_view type);
// The frame node-ipc `version` sends for this case (9.2.1 sends {} for null and "").
std::string expected_node_frame(const GoldenCase& c, const std::string& version);

// Messages received by an ipcxx endpoint, in arrival order.
class Inbox {
public:
    struct Entry {
        std::string event;
        ipcxx::Payload data;
        std::uint64_t sock = 0;
    };
    void add(std::string_view event, const ipcxx::Payload& data, std::uint64_t sock = 0);
    bool wait_size(std::size_t n, std::chrono::milliseconds timeout = 10s) const;
    std::vector<Entry> entries() const;
    std::size_t count(std::string_view event) const;

private:
    mutable std::mutex mutex_;
    mutable std::condition_variable cv_;
    std::vector<Entry> entries_;
};

// The frame ipcxx would send for this message (as the JSON text, delimiter included).
std::string frame_of(std::string_view event, const ipcxx::Payload& data);

// A bare listener that records the bytes of one accepted connection.
class RawListener {
public:
    RawListener(Transport transport, const test::TempDir& dir);
    ~RawListener();
    RawListener(const RawListener&) = delete;
    RawListener& operator=(const RawListener&) = delete;

    const Address& address() const { return address_; }
    bool accept(std::chrono::milliseconds timeout = 10s);
    // Everything received so far, once it holds `frames` 0x0C bytes or the deadline passed.
    std::string read_frames(std::size_t frames, std::chrono::milliseconds timeout = 10s);

private:
    Address address_;
    int listen_fd_ = -1;
    int conn_fd_ = -1;
    std::string received_;
};

enum class Role { ipcxx_server, ipcxx_client };  // node-ipc plays the other side
inline const char* name(Role r) {
    return r == Role::ipcxx_server ? "ipcxx server, node-ipc client" : "ipcxx client, node-ipc server";
}

// One ipcxx endpoint connected to one node-ipc peer. The ipcxx side records messages in inbox()
// and lifecycle events in log(): "connect", "disconnect", "destroy", "socket.disconnected",
// "error <message>".
class Rig {
public:
    // `tweak` adjusts the ipcxx endpoint's config (delimiter, sync, raw_buffer, ...).
    Rig(Role role, const std::string& version, Transport transport, std::vector<std::string> node_args = {},
        const std::function<void(ipcxx::Config&)>& tweak = {});
    ~Rig();

    NodePeer& node() { return *node_; }
    Inbox& inbox() { return inbox_; }
    test::Log& log() { return log_; }
    std::error_code emit(std::string_view type, const ipcxx::Payload& data);
    std::error_code emit_packed(std::string_view type, std::string_view msgpack);
    // raw_buffer mode: bytes as given, or text in config.encoding.
    std::error_code emit_raw(std::string_view bytes);
    std::error_code emit_raw_text(std::string_view text);
    // Messages the ipcxx side has not written yet.
    std::size_t pending_messages();
    // The "sock" peer.js prints with messages from ipcxx: 1 on a node server, none on a node client.
    std::uint64_t node_sock() const { return role_ == Role::ipcxx_client ? 1 : 0; }

private:
    Role role_;
    test::TempDir dir_;
    test::Log log_;
    Inbox inbox_;
    std::mutex mutex_;
    ipcxx::Socket socket_;  // the node client, when ipcxx serves
    std::unique_ptr<NodePeer> node_;
    // Declared last so they go first: their handlers use the members above.
    std::unique_ptr<ipcxx::Server> server_;
    std::unique_ptr<ipcxx::Client> client_;
};

// A connection attempt refused because no server listens (ECONNREFUSED, ENOENT).
bool is_refused(const ipcxx::ErrorEvent& e);

// Restores an environment variable at scope exit.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::string& value);
    ~ScopedEnv();

private:
    std::string name_;
    std::optional<std::string> old_;
};

}  // namespace interop
