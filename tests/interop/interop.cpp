#include "interop.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <asio/error.hpp>

#include "codec/json_wire.hpp"

namespace interop {

std::vector<std::string> address_args(const Address& address) {
    if (address.transport == Transport::tcp) return {"--tcp", "127.0.0.1:" + std::to_string(address.port)};
    return {"--unix", address.path};
}

NodeServer start_node_server(const std::string& version, Transport transport, const test::TempDir& dir,
                             std::vector<std::string> extra, std::uint16_t port) {
    Address address;
    address.transport = transport;
    address.path = dir.path() + "/node.sock";
    address.port = port;
    return start_node_server_at(version, address, std::move(extra));
}

NodeServer start_node_server_at(const std::string& version, const Address& address, std::vector<std::string> extra) {
    std::vector<std::string> args{"--version", version, "--role", "server", "--id", "server"};
    for (auto& a : address_args(address)) args.push_back(std::move(a));
    for (auto& a : extra) args.push_back(std::move(a));
    NodeServer server{std::make_unique<NodePeer>(args), address};
    const auto listening = server.peer->wait_line(ev_is("listening"));
    INFO(server.peer->describe());
    REQUIRE(listening);
    if (address.transport == Transport::tcp) {
        server.address.port = static_cast<std::uint16_t>(listening->num("port", 0));
        REQUIRE(server.address.port != 0);
    }
    return server;
}

std::unique_ptr<NodePeer> start_node_client(const std::string& version, const Address& address,
                                            std::vector<std::string> extra) {
    std::vector<std::string> args{"--version", version, "--role", "client", "--server-id", "server", "--retry", "20"};
    for (auto& a : address_args(address)) args.push_back(std::move(a));
    for (auto& a : extra) args.push_back(std::move(a));
    return std::make_unique<NodePeer>(args);
}

void expect_silent_clients(ipcxx::Config& config) { config.handshake_timeout = std::chrono::milliseconds(300); }

ipcxx::Config server_config_in(const test::TempDir& dir, const std::string& id) {
    auto config = test::config_in(dir, id);
    expect_silent_clients(config);
    return config;
}

Address serve(ipcxx::Server& server, Transport transport, const test::TempDir& dir, std::uint16_t port) {
    Address address;
    address.transport = transport;
    if (transport == Transport::tcp) {
        server.serve_net("127.0.0.1", port);
        address.port = server.port();
    } else {
        server.serve(dir.path() + "/ipcxx.sock");
        address.path = server.path();
    }
    return address;
}

void connect(ipcxx::Client& client, const Address& address) {
    if (address.transport == Transport::tcp) {
        client.connect_to_net("server", "127.0.0.1", address.port);
    } else {
        client.connect_to("server", address.path);
    }
}

std::string json_string(std::string_view s) {
    msgpack::sbuffer buffer;
    msgpack::pack(buffer, s);
    std::string out;
    REQUIRE_FALSE(ipcxx::detail::append_json_value({buffer.data(), buffer.size()}, out));
    return out;
}

std::string to_hex(std::string_view bytes) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

std::string from_hex(std::string_view hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    }
    return out;
}

std::string emit_cmd(std::string_view type, std::string_view data_json, std::uint64_t sock) {
    std::string cmd = "{\"cmd\":\"emit\",\"type\":" + json_string(type);
    if (!data_json.empty()) cmd += ",\"data\":" + std::string(data_json);
    if (sock) cmd += ",\"sock\":" + std::to_string(sock);
    return cmd + "}";
}

std::string emit_raw_cmd(std::string_view bytes, std::uint64_t sock) {
    std::string cmd = "{\"cmd\":\"emit_raw\",\"hex\":\"" + to_hex(bytes) + "\"";
    if (sock) cmd += ",\"sock\":" + std::to_string(sock);
    return cmd + "}";
}

std::string message_line(std::string_view type, std::string_view data_json, std::uint64_t sock) {
    std::string line = "{\"ev\":\"message\",\"type\":" + json_string(type) + ",\"data\":" + std::string(data_json);
    if (sock) line += ",\"sock\":" + std::to_string(sock);
    return line + "}";
}

const std::vector<GoldenCase>& golden_cases() {
    static const std::vector<GoldenCase> cases = [] {
        std::vector<GoldenCase> out;
        std::ifstream in(std::string(IPCXX_INTEROP_DIR) + "/golden/node14-frames.jsonl", std::ios::binary);
        std::string text;
        while (std::getline(in, text)) {
            if (text.empty()) continue;
            const PeerLine line(text);
            GoldenCase c;
            c.name = line.str("name");
            c.type = line.str("type");
            c.data_omitted = line.field("data_omitted") != nullptr;
            c.input = line.str("input");
            c.frame = from_hex(line.str("hex"));
            // node's own text of the value: the frame is {"type":T,"data":D}<0c>.
            const std::size_t data_at = c.frame.find(",\"data\":", 8);
            if (!c.data_omitted && data_at != std::string::npos && c.frame.size() >= data_at + 10) {
                c.data_json = c.frame.substr(data_at + 8, c.frame.size() - data_at - 10);
            }
            out.push_back(std::move(c));
        }
        return out;
    }();
    return cases;
}

namespace {

template <class T>
std::string pack(const T& value) {
    msgpack::sbuffer buffer;
    msgpack::pack(buffer, value);
    return {buffer.data(), buffer.size()};
}

}  // namespace

std::string golden_msgpack(const GoldenCase& c) {
    if (c.data_omitted) return {};
    const std::string& in = c.input;
    if (in.empty()) return std::string(ipcxx::Payload::from_json(c.data_json).msgpack());
    // The JavaScript values capture-frames.js passed to emit, as C++ builds them.
    if (in == "-0") return pack(-0.0);
    if (in == "9007199254740993") return pack(9007199254740993.0);  // a JS number is a double: 2^53
    if (in == "0.1+0.2") return pack(0.1 + 0.2);
    if (in == "NaN") return pack(std::nan(""));
    if (in == "Infinity") return pack(HUGE_VAL);
    if (in == "-Infinity") return pack(-HUGE_VAL);
    if (in.rfind("Buffer.from(", 0) == 0) {
        // A Buffer is binary data: msgpack bin, bytes taken from its JSON form.
        const PeerLine form(c.data_json);
        const auto* bytes = form.field("data");
        REQUIRE(bytes);
        std::vector<char> bin;
        for (std::uint32_t i = 0; i < bytes->via.array.size; ++i) {
            bin.push_back(static_cast<char>(bytes->via.array.ptr[i].as<int>()));
        }
        return pack(bin);
    }
    if (in == "new Date(0)") return pack(std::string("1970-01-01T00:00:00.000Z"));  // no date type: its JSON
    if (!in.empty() && in.front() == '{') return std::string(ipcxx::Payload::from_json(in).msgpack());
    FAIL("golden case " << c.name << ": no C++ construction for input " << in);
    return {};
}

bool ipcxx_accepts_type(std::string_view type) { return !type.empty() && type != "*"; }

std::string expected_node_frame(const GoldenCase& c, const std::string& version) {
    if (version == "9" && (c.data_json == "null" || c.data_json == "\"\"")) {
        return "{\"type\":" + json_string(c.type) + ",\"data\":{}}\f";
    }
    return c.frame;
}

void Inbox::add(std::string_view event, const ipcxx::Payload& data, std::uint64_t sock) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        entries_.push_back({std::string(event), data, sock});
    }
    cv_.notify_all();
}

bool Inbox::wait_size(std::size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return entries_.size() >= n; });
}

std::vector<Inbox::Entry> Inbox::entries() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return entries_;
}

std::size_t Inbox::count(std::string_view event) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::size_t n = 0;
    for (const auto& e : entries_) n += e.event == event;
    return n;
}

std::string frame_of(std::string_view event, const ipcxx::Payload& data) {
    std::string out, detail;
    const auto ec = ipcxx::detail::encode_json_frame(event, data.msgpack(), "\f", out, &detail);
    INFO(detail);
    CHECK_FALSE(ec);
    return out;
}

RawListener::RawListener(Transport transport, const test::TempDir& dir) {
    address_.transport = transport;
    if (transport == Transport::tcp) {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
        socklen_t len = sizeof(addr);
        REQUIRE(::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
        address_.port = ntohs(addr.sin_port);
    } else {
        address_.path = dir.path() + "/raw.sock";
        ::unlink(address_.path.c_str());  // left by an earlier listener of the same test
        listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, address_.path.c_str(), sizeof(addr.sun_path) - 1);
        REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    }
    REQUIRE(::listen(listen_fd_, 8) == 0);
}

RawListener::~RawListener() {
    if (conn_fd_ >= 0) ::close(conn_fd_);
    if (listen_fd_ >= 0) ::close(listen_fd_);
}

bool RawListener::accept(std::chrono::milliseconds timeout) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    conn_fd_ = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    return conn_fd_ >= 0;
}

std::string RawListener::read_frames(std::size_t frames, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto seen = static_cast<std::size_t>(std::count(received_.begin(), received_.end(), '\f'));
    while (seen < frames) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        pollfd p{conn_fd_, POLLIN, 0};
        if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
        char buf[65536];
        const ssize_t n = ::recv(conn_fd_, buf, sizeof(buf), 0);
        if (n <= 0) break;
        received_.append(buf, static_cast<std::size_t>(n));
        seen += static_cast<std::size_t>(std::count(buf, buf + n, '\f'));
    }
    return received_;
}

Rig::Rig(Role role, const std::string& version, Transport transport, std::vector<std::string> node_args,
         const std::function<void(ipcxx::Config&)>& tweak)
    : role_(role) {
    const auto config = [&](const std::string& id) {
        auto c = test::config_in(dir_, id);
        if (role == Role::ipcxx_server) expect_silent_clients(c);
        if (tweak) tweak(c);
        return c;
    };
    const auto on_error = [this](const ipcxx::ErrorEvent& e) { log_.add("error " + e.message); };
    if (role == Role::ipcxx_server) {
        server_ = std::make_unique<ipcxx::Server>(config("world"));
        server_->on("connect", [this](ipcxx::Socket& s) {
            {
                std::lock_guard<std::mutex> lock(mutex_);
                socket_ = s;
            }
            log_.add("connect");
        });
        server_->on("socket.disconnected", [this] { log_.add("socket.disconnected"); });
        server_->on("*", [this](std::string_view event, const ipcxx::Payload& data, ipcxx::Socket& from) {
            inbox_.add(event, data, from.serial());
        });
        server_->on("error", on_error);
        node_ = start_node_client(version, serve(*server_, transport, dir_), std::move(node_args));
        INFO(node_->describe());
        REQUIRE(node_->wait_line(ev_is("connect")));
        REQUIRE(log_.wait_for("connect"));
    } else {
        auto node = start_node_server(version, transport, dir_, std::move(node_args));
        node_ = std::move(node.peer);
        client_ = std::make_unique<ipcxx::Client>(config("client"));
        client_->on("connect", [this] { log_.add("connect"); });
        client_->on("disconnect", [this] { log_.add("disconnect"); });
        client_->on("destroy", [this] { log_.add("destroy"); });
        client_->on("*", [this](std::string_view event, const ipcxx::Payload& data) { inbox_.add(event, data); });
        client_->on("error", on_error);
        connect(*client_, node.address);
        INFO(node_->describe());
        REQUIRE(log_.wait_for("connect"));
        REQUIRE(node_->wait_line(ev_is("connect")));
    }
}

Rig::~Rig() {
    // The node peer sees the close before the rest of the rig goes.
    if (server_) server_->stop();
    std::lock_guard<std::mutex> lock(mutex_);
    socket_ = ipcxx::Socket();
}

std::error_code Rig::emit(std::string_view type, const ipcxx::Payload& data) {
    return emit_packed(type, data.msgpack());
}

std::error_code Rig::emit_packed(std::string_view type, std::string_view msgpack) {
    if (client_) return client_->emit_packed(type, msgpack);
    std::lock_guard<std::mutex> lock(mutex_);
    return socket_.emit_packed(type, msgpack);
}

std::error_code Rig::emit_raw(std::string_view bytes) {
    if (client_) return client_->emit_raw(bytes);
    std::lock_guard<std::mutex> lock(mutex_);
    return socket_.emit_raw(bytes);
}

std::error_code Rig::emit_raw_text(std::string_view text) {
    if (client_) return client_->emit_raw_text(text);
    std::lock_guard<std::mutex> lock(mutex_);
    return socket_.emit_raw_text(text);
}

std::size_t Rig::pending_messages() {
    if (client_) return client_->pending_messages();
    std::lock_guard<std::mutex> lock(mutex_);
    return socket_.pending_messages();
}

bool is_refused(const ipcxx::ErrorEvent& e) {
    // asio's own system category: its codes do not compare equal to std::errc values.
    return e.code.category() == asio::error::get_system_category() &&
           (e.code.value() == ECONNREFUSED || e.code.value() == ENOENT);
}

ScopedEnv::ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
}

ScopedEnv::~ScopedEnv() {
    if (old_) {
        ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
        ::unsetenv(name_.c_str());
    }
}

}  // namespace interop
