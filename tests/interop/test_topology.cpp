// Several node-ipc clients on one ipcxx server, endpoints found by id alone, and what child
// processes inherit.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "interop.hpp"

using namespace interop;

TEST_CASE("a broadcast from an ipcxx server reaches each of three node-ipc clients exactly once", "[interop]") {
    const std::string version = GENERATE("14", "9");
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO("node-ipc " << version << " over " << test::name(transport));
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{server_config_in(dir)};
    server.on("connect", [&] { log.add("connect"); });
    const Address address = serve(server, transport, dir);

    std::vector<std::unique_ptr<NodePeer>> clients;
    for (int i = 0; i < 3; ++i) clients.push_back(start_node_client(version, address));
    for (auto& c : clients) REQUIRE(c->wait_line(ev_is("connect")));
    REQUIRE(log.wait_for_count("connect", 3));

    REQUIRE_FALSE(server.broadcast("news", ipcxx::Payload::from_json(R"({"n":1,"s":"caf\u00e9 \ud83c\udf0d"})")));
    // A second broadcast marks the end: anything duplicated would have arrived before it.
    REQUIRE_FALSE(server.broadcast("end", 0));
    for (auto& c : clients) {
        INFO(c->describe());
        REQUIRE(c->wait_line(message_is("end")));
        const auto news = c->lines(message_is("news"));
        REQUIRE(news.size() == 1);
        CHECK(news[0].text() == message_line("news", "{\"n\":1,\"s\":\"caf\xC3\xA9 \xF0\x9F\x8C\x8D\"}"));
        CHECK(c->count(ev_is("message")) == 2);
    }
}

// With XDG_RUNTIME_DIR set, node-ipc 14 and ipcxx both default to $XDG_RUNTIME_DIR/node-ipc/app.<id>.
// 9.2.1's default root is /tmp/, shared with everything else, so it is left out.
TEST_CASE("ids alone: connect_to(\"world\") and connectTo('world') with default paths", "[interop]") {
    const Role role = GENERATE(Role::ipcxx_server, Role::ipcxx_client);
    INFO(name(role) << ", node-ipc 14");
    test::TempDir runtime;
    const ScopedEnv xdg("XDG_RUNTIME_DIR", runtime.path());
    const std::vector<std::string> env{"XDG_RUNTIME_DIR=" + runtime.path()};
    const std::string expected_path = runtime.path() + "/node-ipc/app.world";
    test::Log log;

    // Only the defaults: no socket_root, no path. Fast retries and silence change no path.
    auto config_for = [](const std::string& id) {
        ipcxx::Config config;
        config.id = id;
        config.retry = 20ms;
        config.silent = true;
        return config;
    };

    if (role == Role::ipcxx_server) {
        auto server_config = config_for("world");
        expect_silent_clients(server_config);
        ipcxx::Server server{server_config};
        server.on("ping", [&](const ipcxx::Payload& data, ipcxx::Socket& from) { from.emit("pong", data); });
        server.serve();
        CHECK(server.path() == expected_path);
        struct stat st {};
        REQUIRE(::stat(expected_path.c_str(), &st) == 0);
        CHECK(S_ISSOCK(st.st_mode));
        NodePeer node({"--version", "14", "--role", "client", "--server-id", "world", "--default-path", "--retry",
                       "20"},
                      env);
        INFO(node.describe());
        REQUIRE(node.wait_line(ev_is("connect")));
        REQUIRE(node.send(emit_cmd("ping", "\"hi\"")));
        const auto pong = node.wait_line(message_is("pong"));
        REQUIRE(pong);
        CHECK(pong->text() == message_line("pong", "\"hi\""));
    } else {
        NodePeer node({"--version", "14", "--role", "server", "--id", "world", "--default-path", "--echo"}, env);
        INFO(node.describe());
        const auto listening = node.wait_line(ev_is("listening"));
        REQUIRE(listening);
        CHECK(listening->str("path") == expected_path);
        CHECK(ipcxx::Config{}.socket_path("world") == expected_path);
        ipcxx::Client client{config_for("hello")};
        client.on("connect", [&] { log.add("connect"); });
        client.on("ping", [&](const ipcxx::Payload& data) { log.add("ping " + data.to_json()); });
        client.connect_to("world");
        REQUIRE(log.wait_for("connect"));
        REQUIRE_FALSE(client.emit("ping", "hi"));
        CHECK(log.wait_for("ping \"hi\""));
    }
}

namespace {

std::set<int> socket_fds() {
    std::set<int> fds;
    DIR* d = ::opendir("/proc/self/fd");
    if (!d) return fds;
    while (const dirent* e = ::readdir(d)) {
        const int fd = std::atoi(e->d_name);
        char target[64] = {};
        const std::string link = std::string("/proc/self/fd/") + e->d_name;
        if (::readlink(link.c_str(), target, sizeof(target) - 1) > 0 && std::string(target).rfind("socket:", 0) == 0) {
            fds.insert(fd);
        }
    }
    ::closedir(d);
    return fds;
}

}  // namespace

// node-ipc's sockets (libuv) are all close-on-exec, so a child process never holds one. A child
// started with an inherited copy of a listening socket keeps the port bound after the server
// stopped, and a restart on the same port fails with EADDRINUSE.
TEST_CASE("ipcxx's sockets are close-on-exec, like node-ipc's", "[interop]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    test::Log log;
    const auto before = socket_fds();
    ipcxx::Server server{server_config_in(dir)};
    server.on("connect", [&] { log.add("accepted"); });
    const Address address = serve(server, transport, dir);
    ipcxx::Client client{test::config_in(dir, "client")};
    client.on("connect", [&] { log.add("connected"); });
    connect(client, address);
    REQUIRE(log.wait_for("accepted"));
    REQUIRE(log.wait_for("connected"));
    int checked = 0;
    for (int fd : socket_fds()) {
        if (before.count(fd)) continue;
        const int flags = ::fcntl(fd, F_GETFD);
        if (flags < 0) continue;  // closed meanwhile
        ++checked;
        INFO("fd " << fd);
        CHECK((flags & FD_CLOEXEC) != 0);
    }
    CHECK(checked >= 3);  // listener, accepted connection, client connection
}
