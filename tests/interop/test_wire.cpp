// The native wire's negotiation against the real node-ipc, and requests over the JSON wire with a
// node-ipc peer implementing the convention of protocol/PROTOCOL.md, section 4.
#include <functional>
#include <future>
#include <stdexcept>

#include "interop.hpp"

using namespace interop;

namespace {

// The line peer.js prints for the hello of an ipcxx client with id "client" (on socket 1).
std::string hello_line(std::string_view wire_json) {
    return message_line(
        "ipcxx.hello", R"({"protocol":1,"id":"client","wire":)" + std::string(wire_json) + R"(,"features":["request","deadline"]})",
        1);
}

std::string error_entry(ipcxx::errc code) { return "error " + ipcxx::make_error_code(code).message(); }

struct Options {
    ipcxx::Wire wire = ipcxx::Wire::automatic;
    std::chrono::milliseconds handshake_timeout{2000};
    std::vector<std::string> node_args;
    // Registers request handlers before the connection exists.
    std::function<void(ipcxx::EventSource&)> setup;
};

// One ipcxx endpoint in the wire mode of choice and one node-ipc peer (peer.js). Unlike Rig it
// does not wait for the connection, so refusals can be watched, and it logs error codes:
// "connect", "disconnect", "destroy", "socket.disconnected", "error <errc message>".
class Pair {
public:
    Pair(Role role, const std::string& version, Transport transport, Options options) {
        auto config = test::config_in(dir_, role == Role::ipcxx_server ? "server" : "client");
        config.wire = options.wire;
        config.handshake_timeout = options.handshake_timeout;
        if (role == Role::ipcxx_server) expect_silent_clients(config);
        const auto on_error = [this](const ipcxx::ErrorEvent& e) {
            details_.add(e.message);
            log_.add("error " + e.code.message());
        };
        if (role == Role::ipcxx_server) {
            server_ = std::make_unique<ipcxx::Server>(config);
            if (options.setup) options.setup(*server_);
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
            node_ = start_node_client(version, serve(*server_, transport, dir_), std::move(options.node_args));
        } else {
            auto node = start_node_server(version, transport, dir_, std::move(options.node_args));
            node_ = std::move(node.peer);
            client_ = std::make_unique<ipcxx::Client>(config);
            if (options.setup) options.setup(*client_);
            client_->on("connect", [this] { log_.add("connect"); });
            client_->on("disconnect", [this] { log_.add("disconnect"); });
            client_->on("destroy", [this] { log_.add("destroy"); });
            client_->on("*", [this](std::string_view event, const ipcxx::Payload& data) { inbox_.add(event, data); });
            client_->on("error", on_error);
            connect(*client_, node.address);
        }
    }
    ~Pair() {
        // The node peer sees the close before the rest goes.
        if (server_) server_->stop();
        std::lock_guard<std::mutex> lock(mutex_);
        socket_ = ipcxx::Socket();
    }

    NodePeer& node() { return *node_; }
    Inbox& inbox() { return inbox_; }
    test::Log& log() { return log_; }
    ipcxx::Client& client() { return *client_; }
    ipcxx::Socket socket() {
        std::lock_guard<std::mutex> lock(mutex_);
        return socket_;
    }
    // For failure messages.
    std::string describe() const {
        std::string text = node_->describe() + "\nipcxx errors:";
        for (const auto& d : details_.entries()) text += "\n  " + d;
        return text;
    }

    // Both sides saw the connection.
    void require_connected() {
        INFO(describe());
        REQUIRE(log_.wait_for("connect"));
        REQUIRE(node_->wait_line(ev_is("connect")));
    }

    // A request from the ipcxx side to the node peer, waited for.
    ipcxx::Response ask(std::string_view event, const ipcxx::Payload& args,
                        std::chrono::milliseconds timeout = 5s) {
        auto promise = std::make_shared<std::promise<ipcxx::Response>>();
        auto future = promise->get_future();
        const auto on_response = [promise](const ipcxx::Response& r) { promise->set_value(r); };
        if (client_) {
            client_->request_packed(event, args.msgpack(), timeout, on_response);
        } else {
            server_->request_packed(socket(), event, args.msgpack(), timeout, on_response);
        }
        REQUIRE(future.wait_for(timeout + 5s) == std::future_status::ready);
        return future.get();
    }

private:
    test::TempDir dir_;
    test::Log log_;
    test::Log details_;
    Inbox inbox_;
    std::mutex mutex_;
    ipcxx::Socket socket_;  // the node client, when ipcxx serves
    std::unique_ptr<NodePeer> node_;
    // Declared last so they go first: their handlers use the members above.
    std::unique_ptr<ipcxx::Server> server_;
    std::unique_ptr<ipcxx::Client> client_;
};

// One message each way; returns once both arrived.
void exchange(Pair& pair, std::uint64_t node_sock) {
    INFO(pair.describe());
    const auto sent = pair.socket() ? pair.socket().emit("ping", 1) : pair.client().emit("ping", 1);
    REQUIRE_FALSE(sent);
    const auto ping = pair.node().wait_line(message_is("ping"));
    REQUIRE(ping);
    CHECK(ping->text() == message_line("ping", "1", node_sock));
    REQUIRE(pair.node().send(emit_cmd("pong", "2")));
    REQUIRE(pair.inbox().wait_size(1));
    const auto got = pair.inbox().entries();
    CHECK(got[0].event == "pong");
    CHECK(got[0].data.to_json() == "2");
}

}  // namespace

TEST_CASE("an auto client says hello once to a node-ipc server and stays on JSON", "[interop][wire]") {
    const std::string version = GENERATE("14", "9");
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO("node-ipc " << version << " over " << test::name(transport));
    Pair pair(Role::ipcxx_client, version, transport, {});
    pair.require_connected();
    exchange(pair, 1);
    CHECK_FALSE(pair.client().native());
    // node-ipc sees the hello as an ordinary event, first, and only once.
    const auto messages = pair.node().lines(ev_is("message"));
    REQUIRE(messages.size() == 2);
    CHECK(messages[0].text() == hello_line(R"(["json","native"])"));
    CHECK(messages[1].is_message("ping"));
    CHECK(pair.log().entries() == std::vector<std::string>{"connect"});
}

TEST_CASE("a json client sends node-ipc no hello at all", "[interop][wire]") {
    const std::string version = GENERATE("14", "9");
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO("node-ipc " << version << " over " << test::name(transport));
    Options options;
    options.wire = ipcxx::Wire::json;
    Pair pair(Role::ipcxx_client, version, transport, options);
    pair.require_connected();
    exchange(pair, 1);
    CHECK_FALSE(pair.client().native());
    CHECK(pair.node().count(is_hello) == 0);
    CHECK(pair.node().count(ev_is("message")) == 1);
    CHECK(pair.log().entries() == std::vector<std::string>{"connect"});
}

TEST_CASE("a native client gives up on a node-ipc server: handshake_timeout, and nothing of its own sent",
          "[interop][wire]") {
    const std::string version = GENERATE("14", "9");
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO("node-ipc " << version << " over " << test::name(transport));
    Options options;
    options.wire = ipcxx::Wire::native;
    options.handshake_timeout = 300ms;
    Pair pair(Role::ipcxx_client, version, transport, options);
    // Held until a welcome that never comes.
    REQUIRE_FALSE(pair.client().emit("secret", 1));
    INFO(pair.describe());
    REQUIRE(pair.log().wait_for(error_entry(ipcxx::errc::handshake_timeout)));
    REQUIRE(pair.log().wait_for("destroy"));
    CHECK_FALSE(pair.client().native());
    CHECK_FALSE(pair.client().connected());
    // The connection closed; node-ipc got the hello (asking for the native wire) and nothing else.
    REQUIRE(pair.node().wait_line([](const PeerLine& l) { return l.is("socket.disconnected") || l.is("close"); }));
    const auto messages = pair.node().lines(ev_is("message"));
    REQUIRE(messages.size() == 1);
    CHECK(messages[0].text() == hello_line(R"(["native"])"));
    CHECK(pair.node().count(ev_is("connect")) == 1);
    // No `connect` before the native wire is up; no reconnect after a failed negotiation; the held
    // message is reported, not lost silently.
    CHECK(pair.log().entries() == std::vector<std::string>{error_entry(ipcxx::errc::handshake_timeout),
                                                           "disconnect", error_entry(ipcxx::errc::undelivered),
                                                           "destroy"});
}

TEST_CASE("a native server refuses a node-ipc client, an auto server keeps it on JSON", "[interop][wire]") {
    const std::string version = GENERATE("14", "9");
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO("node-ipc " << version << " over " << test::name(transport));

    SECTION("native: native_wire_refused at the first frame, which no handler sees") {
        Options options;
        options.wire = ipcxx::Wire::native;
        Pair pair(Role::ipcxx_server, version, transport, options);
        INFO(pair.describe());
        // Without a hello the client is never announced: no `connect`, and no socket.disconnected.
        REQUIRE(pair.node().wait_line(ev_is("connect")));
        REQUIRE(pair.node().send(emit_cmd("ping", "1")));
        REQUIRE(pair.log().wait_for(error_entry(ipcxx::errc::native_wire_refused)));
        REQUIRE(pair.node().wait_line(ev_is("disconnect")));
        CHECK(pair.inbox().entries().empty());
        CHECK(pair.node().count(ev_is("message")) == 0);  // no welcome, nothing else
        CHECK(pair.log().entries() == std::vector<std::string>{error_entry(ipcxx::errc::native_wire_refused)});
    }
    SECTION("auto: JSON, no id, traffic both ways") {
        Pair pair(Role::ipcxx_server, version, transport, {});
        pair.require_connected();
        exchange(pair, 0);
        const ipcxx::Socket socket = pair.socket();
        CHECK_FALSE(socket.native());
        CHECK(socket.id().empty());
        CHECK(pair.log().entries() == std::vector<std::string>{"connect"});
    }
}

TEST_CASE("requests from ipcxx, answered by a node-ipc peer over the JSON wire", "[interop][wire]") {
    const Role role = GENERATE(Role::ipcxx_client, Role::ipcxx_server);
    const std::string version = GENERATE("14", "9");
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(name(role) << ", node-ipc " << version << " over " << test::name(transport));
    Options options;
    options.node_args = {"--answer-requests"};
    Pair pair(role, version, transport, options);
    pair.require_connected();
    INFO(pair.describe());

    const auto sum = pair.ask("add", ipcxx::Payload::from_json("[2,3]"));
    INFO(sum.message);
    REQUIRE(sum);
    CHECK(sum.data.to_json() == "5");
    // The request as node-ipc received it: the convention's event, id first.
    const auto request = pair.node().wait_line(message_is("ipcxx.request"));
    REQUIRE(request);
    CHECK(request->text().find(R"({"ev":"message","type":"ipcxx.request","data":{"id":)") == 0);
    // The requester's deadline travels as "timeout": the milliseconds it still waits.
    CHECK(request->text().find(R"(,"event":"add","data":[2,3],"timeout":)") != std::string::npos);

    const auto failed = pair.ask("fail", ipcxx::Payload::from("boom"));
    CHECK(failed.error == ipcxx::errc::remote_error);
    CHECK(failed.remote_code == "handler_exception");
    CHECK(failed.message.find("boom") != std::string::npos);

    const auto missing = pair.ask("nope", ipcxx::Payload::from(0));
    CHECK(missing.error == ipcxx::errc::no_handler);
    CHECK(missing.remote_code == "no_handler");
    CHECK(missing.message.find("nope") != std::string::npos);

    CHECK(pair.inbox().entries().empty());  // responses never reach event handlers
    CHECK(pair.log().entries() == std::vector<std::string>{"connect"});
}

TEST_CASE("a request to a node-ipc peer without the convention ends with request_timeout", "[interop][wire]") {
    const Role role = GENERATE(Role::ipcxx_client, Role::ipcxx_server);
    const std::string version = GENERATE("14", "9");
    INFO(name(role) << ", node-ipc " << version);
    Pair pair(role, version, Transport::unix_socket, {});
    pair.require_connected();
    const auto r = pair.ask("add", ipcxx::Payload::from_json("[2,3]"), 200ms);
    CHECK(r.error == ipcxx::errc::request_timeout);
    INFO(pair.describe());
    CHECK(pair.node().wait_line(message_is("ipcxx.request")));
}

TEST_CASE("requests from a node-ipc peer, answered by ipcxx over the JSON wire", "[interop][wire]") {
    const Role role = GENERATE(Role::ipcxx_client, Role::ipcxx_server);
    const std::string version = GENERATE("14", "9");
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(name(role) << ", node-ipc " << version << " over " << test::name(transport));
    Options options;
    options.setup = [](ipcxx::EventSource& endpoint) {
        endpoint.handle<std::vector<int>>("add", [](std::vector<int> v) { return v.at(0) + v.at(1); });
        endpoint.handle("fail", [](const ipcxx::Payload& p) -> int { throw std::runtime_error(p.as<std::string>()); });
        endpoint.handle("deny", [](const ipcxx::Payload&) { return ipcxx::Reply::error("denied", "not you"); });
    };
    Pair pair(role, version, transport, options);
    pair.require_connected();
    INFO(pair.describe());
    auto request = [&](std::string_view event, std::string_view data_json) {
        REQUIRE(pair.node().send(R"({"cmd":"request","event":)" + json_string(event) + R"(,"data":)" +
                                 std::string(data_json) + "}"));
        const auto response = pair.node().wait_line(ev_is("response"));
        REQUIRE(response);
        return response->text();
    };

    CHECK(request("add", "[2,3]") == R"({"ev":"response","id":1,"data":5})");
    // The message carries the exception's text (ipcxx adds the event's name around it).
    const auto failed = request("fail", R"("boom")");
    CHECK(failed.find(R"({"ev":"response","id":2,"error":{"code":"handler_exception","message":")") == 0);
    CHECK(failed.find("boom") != std::string::npos);
    CHECK(request("deny", "null") == R"({"ev":"response","id":3,"error":{"code":"denied","message":"not you"}})");
    const auto missing = request("nope", "0");
    CHECK(missing.find(R"({"ev":"response","id":4,"error":{"code":"no_handler","message":)") == 0);
    CHECK(missing.find("nope", 50) != std::string::npos);
    // A typed handler given data that does not convert.
    const auto bad = request("add", R"("two")");
    CHECK(bad.find(R"({"ev":"response","id":5,"error":{"code":"bad_request","message":)") == 0);

    CHECK(pair.inbox().entries().empty());  // requests never reach event handlers
    CHECK(pair.log().entries() == std::vector<std::string>{"connect"});
}
