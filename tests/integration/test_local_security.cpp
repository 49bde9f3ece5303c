// Local endpoints: the socket root's checks, taking over a live socket, peer credentials,
// allowed_uids, and abstract-namespace sockets.
#include <catch2/catch.hpp>

#include <string>

#include <sys/stat.h>
#include <unistd.h>

#include "support/fixtures.hpp"
#include "support/pair.hpp"

using namespace std::chrono_literals;

namespace {

// The message serve() throws, or "" when it listened.
std::string serve_error(ipcxx::Server& server, std::error_code& ec) {
    try {
        server.serve();
    } catch (const ipcxx::Error& e) {
        ec = e.code();
        return e.what();
    }
    return {};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("the socket root must be our own real directory, owner-only", "[server][unix][security]") {
    test::TempDir dir;
    auto config = test::config_in(dir);
    std::error_code ec;

    SECTION("a symbolic link is refused, naming the path and the problem") {
        const std::string real = dir.path() + "/real";
        REQUIRE(::mkdir(real.c_str(), 0700) == 0);
        REQUIRE(::symlink(real.c_str(), (dir.path() + "/link").c_str()) == 0);
        config.socket_root = dir.path() + "/link/";
        ipcxx::Server server{config};
        const std::string what = serve_error(server, ec);
        CHECK(ec == ipcxx::errc::socket_root);
        CHECK(contains(what, dir.path() + "/link"));
        CHECK(contains(what, "symbolic link"));
    }
    SECTION("a directory owned by another user is refused") {
        std::string root = "/";  // owned by root: foreign unless we are root
        if (::geteuid() == 0) {
            root = dir.path() + "/theirs";
            REQUIRE(::mkdir(root.c_str(), 0700) == 0);
            REQUIRE(::chown(root.c_str(), 65534, 65534) == 0);
        }
        config.socket_root = root + (root.back() == '/' ? "" : "/");
        ipcxx::Server server{config};
        const std::string what = serve_error(server, ec);
        CHECK(ec == ipcxx::errc::socket_root);
        CHECK(contains(what, "owned by uid"));
    }
    SECTION("a looser root is tightened to 0700") {
        const std::string root = dir.path() + "/loose";
        REQUIRE(::mkdir(root.c_str(), 0700) == 0);
        REQUIRE(::chmod(root.c_str(), 0777) == 0);
        config.socket_root = root + "/";
        ipcxx::Server server{config};
        CHECK(serve_error(server, ec).empty());
        struct stat st {};
        REQUIRE(::stat(root.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0700);
    }
    SECTION("a shared sticky directory (like /tmp) is refused, not locked down") {
        const std::string root = dir.path() + "/shared";
        REQUIRE(::mkdir(root.c_str(), 0700) == 0);
        REQUIRE(::chmod(root.c_str(), 01777) == 0);
        config.socket_root = root + "/";
        ipcxx::Server server{config};
        const std::string what = serve_error(server, ec);
        CHECK(ec == ipcxx::errc::socket_root);
        CHECK(contains(what, "sticky"));
        struct stat st {};
        REQUIRE(::stat(root.c_str(), &st) == 0);
        CHECK((st.st_mode & 07777) == 01777);
    }
    SECTION("a path outside the socket root gets no directory handling") {
        const std::string elsewhere = dir.path() + "/elsewhere";
        REQUIRE(::mkdir(elsewhere.c_str(), 0755) == 0);
        ipcxx::Server server{config};
        server.serve(elsewhere + "/world.sock");
        struct stat st {};
        REQUIRE(::stat(elsewhere.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0755);
    }
}

TEST_CASE("take_over replaces a live server's socket and new clients reach the new server", "[server][unix][security]") {
    test::TempDir dir;
    test::Log log;
    ipcxx::Server first{test::config_in(dir)};
    first.on("connect", [&](ipcxx::Socket&) { log.add("first"); });
    first.serve();

    auto config = test::config_in(dir);
    config.take_over = true;
    ipcxx::Server second{config};
    second.on("connect", [&](ipcxx::Socket&) { log.add("second"); });
    second.serve();

    ipcxx::Client client{test::config_in(dir, "hello")};
    client.connect_to("world");
    REQUIRE(log.wait_for("second"));
    CHECK(log.count("first") == 0);
}

TEST_CASE("a Unix-socket client's pid, uid and gid are on its Socket; TCP has none", "[server][security]") {
    const test::Transport transport = GENERATE(test::Transport::unix_socket, test::Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{test::config_in(dir)};
    server.on("connect", [&](ipcxx::Socket& socket) {
        const auto cred = socket.credentials();
        if (!cred) return log.add("none");
        log.add(std::to_string(cred->pid) + "/" + std::to_string(cred->uid) + "/" + std::to_string(cred->gid));
    });
    test::serve(server, transport);
    ipcxx::Client client{test::config_in(dir, "hello")};
    test::connect(client, transport, server.port());
    const std::string expected = transport == test::Transport::tcp
                                     ? "none"
                                     : std::to_string(::getpid()) + "/" + std::to_string(::geteuid()) + "/" +
                                           std::to_string(::getegid());
    CHECK(log.wait_for(expected));
}

TEST_CASE("allowed_uids admits listed uids and refuses the others before `connect`", "[server][unix][security]") {
    test::TempDir dir;
    test::Log log;
    const bool listed = GENERATE(true, false);
    auto config = test::config_in(dir);
    config.allowed_uids = {listed ? ::geteuid() : ::geteuid() + 1};
    ipcxx::Server server{config};
    server.on("connect", [&](ipcxx::Socket&) { log.add("connect"); });
    server.on("message", [&](const ipcxx::Payload&) { log.add("message"); });
    server.on("error", [&](const ipcxx::ErrorEvent& e) {
        if (e.code == ipcxx::errc::peer_not_allowed && contains(e.message, std::to_string(::geteuid() ))) {
            log.add("refused");
        }
    });
    server.serve();
    ipcxx::Client client{test::config_in(dir, "hello")};
    client.emit("message", 1);
    client.connect_to("world");
    if (listed) {
        CHECK(log.wait_for("message"));
        CHECK(log.count("refused") == 0);
    } else {
        CHECK(log.wait_for_count("refused", 2));  // and again on the client's retry
        CHECK(log.count("connect") == 0);
        CHECK(log.count("message") == 0);
    }
}

#ifdef __linux__
TEST_CASE("abstract_socket: a name without a file, one server per name, free again after stop", "[server][unix][security]") {
    test::TempDir dir;
    test::Log log;
    auto config = test::config_in(dir);
    config.abstract_socket = true;
    ipcxx::Server server{config};
    server.on("message", [&](const ipcxx::Payload& data, ipcxx::Socket& from) {
        server.emit(from, "message", data.as<std::string>() + " world!");
    });
    server.serve();
    struct stat st {};
    CHECK(::lstat(config.socket_path("world").c_str(), &st) != 0);
    CHECK(::lstat(dir.path().c_str(), &st) == 0);

    auto client_config = test::config_in(dir, "hello");
    client_config.abstract_socket = true;
    ipcxx::Client client{client_config};
    client.on("message", [&](const ipcxx::Payload& data) { log.add(data.as<std::string>()); });
    client.emit("message", "hello");
    client.connect_to("world");
    REQUIRE(log.wait_for("hello world!"));

    ipcxx::Server rival{config};
    std::error_code ec;
    rival.serve(ec);
    CHECK(ec == ipcxx::errc::address_in_use);
    server.stop();
    rival.serve(ec);
    CHECK_FALSE(ec);
}
#endif
