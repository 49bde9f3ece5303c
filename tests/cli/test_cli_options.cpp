// Argument parsing of the ipcxx command-line tool (tools/ipcxx/options.cpp).

#include "options.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using ipcxx_cli::Command;
using ipcxx_cli::ParseResult;
using ipcxx_cli::Transport;
using Action = ParseResult::Action;

namespace {

ParseResult parse(std::vector<std::string> args) { return ipcxx_cli::parse_options(args); }

// Parses a usage error and returns its message.
std::string error_of(std::vector<std::string> args) {
    const ParseResult result = parse(std::move(args));
    REQUIRE(result.action == Action::error);
    CHECK(result.error.find('\n') == std::string::npos);
    return result.error;
}

}  // namespace

TEST_CASE("cli options: serve defaults", "[cli]") {
    const ParseResult result = parse({"serve"});
    REQUIRE(result.action == Action::run);
    const auto& o = result.options;
    CHECK(o.command == Command::serve);
    CHECK(o.id == "world");
    CHECK(o.transport == Transport::by_id);
    CHECK_FALSE(o.echo);
    CHECK_FALSE(o.quiet);
    CHECK(o.retry.count() == 500);
    CHECK(o.max_retries == ipcxx::unlimited);
}

TEST_CASE("cli options: connect defaults", "[cli]") {
    const ParseResult result = parse({"connect"});
    REQUIRE(result.action == Action::run);
    const auto& o = result.options;
    CHECK(o.command == Command::connect);
    CHECK(o.id == "ipcxx-cli");
    CHECK(o.server_id == "world");
    CHECK(o.transport == Transport::by_id);
    CHECK_FALSE(o.exit_on_eof);
}

TEST_CASE("cli options: flags in any order, with separate or inline values", "[cli]") {
    const ParseResult a = parse({"serve", "--echo", "--tcp", "0", "--id=svc", "--quiet", "--retry", "100",
                                 "--max-retries=3", "--wire", "json"});
    REQUIRE(a.action == Action::run);
    CHECK(a.options.echo);
    CHECK(a.options.quiet);
    CHECK(a.options.id == "svc");
    CHECK(a.options.transport == Transport::tcp);
    CHECK(a.options.host == "127.0.0.1");
    CHECK(a.options.port == 0);
    CHECK(a.options.retry.count() == 100);
    CHECK(a.options.max_retries == 3);
    CHECK(a.options.wire == ipcxx::Wire::json);
    CHECK(parse({"connect", "--wire", "native"}).options.wire == ipcxx::Wire::native);
    CHECK(parse({"connect", "--wire=auto"}).options.wire == ipcxx::Wire::automatic);
    CHECK(parse({"connect"}).options.wire == ipcxx::Wire::automatic);

    const ParseResult b = parse({"connect", "other", "--exit-on-eof", "--id", "me", "--max-retries", "unlimited"});
    REQUIRE(b.action == Action::run);
    CHECK(b.options.server_id == "other");
    CHECK(b.options.id == "me");
    CHECK(b.options.exit_on_eof);
    CHECK(b.options.max_retries == ipcxx::unlimited);
}

TEST_CASE("cli options: endpoints", "[cli]") {
    const ParseResult unix_path = parse({"connect", "--unix", "/tmp/x.sock"});
    REQUIRE(unix_path.action == Action::run);
    CHECK(unix_path.options.transport == Transport::unix_path);
    CHECK(unix_path.options.unix_path == "/tmp/x.sock");

    const ParseResult host_port = parse({"connect", "--tcp", "localhost:8000"});
    REQUIRE(host_port.action == Action::run);
    CHECK(host_port.options.host == "localhost");
    CHECK(host_port.options.port == 8000);

    const ParseResult ipv6 = parse({"serve", "--tcp=[::1]:65535"});
    REQUIRE(ipv6.action == Action::run);
    CHECK(ipv6.options.host == "::1");
    CHECK(ipv6.options.port == 65535);

    const ParseResult dash = parse({"connect", "--", "-odd-id"});
    REQUIRE(dash.action == Action::run);
    CHECK(dash.options.server_id == "-odd-id");
}

TEST_CASE("cli options: help", "[cli]") {
    CHECK(parse({"--help"}).action == Action::help);
    CHECK(parse({"-h"}).action == Action::help);
    CHECK(parse({"serve", "--echo", "--help"}).action == Action::help);
    CHECK(parse({"connect", "-h"}).action == Action::help);
    CHECK(std::string(ipcxx_cli::usage_text).find("ipcxx serve") != std::string::npos);
}

TEST_CASE("cli options: usage errors name the problem", "[cli]") {
    CHECK(error_of({}).find("missing command") != std::string::npos);
    CHECK(error_of({"listen"}).find("unknown command 'listen'") != std::string::npos);
    CHECK(error_of({"serve", "--bogus"}).find("unknown option '--bogus'") != std::string::npos);
    CHECK(error_of({"serve", "--id"}).find("'--id' needs a value") != std::string::npos);
    CHECK(error_of({"serve", "--id="}).find("non-empty") != std::string::npos);
    CHECK(error_of({"serve", "--echo=yes"}).find("takes no value") != std::string::npos);
    CHECK(error_of({"serve", "--exit-on-eof"}).find("only for 'connect'") != std::string::npos);
    CHECK(error_of({"connect", "--echo"}).find("only for 'serve'") != std::string::npos);
    CHECK(error_of({"serve", "world"}).find("unexpected argument 'world'") != std::string::npos);
    CHECK(error_of({"connect", "a", "b"}).find("unexpected argument 'b'") != std::string::npos);
    CHECK(error_of({"serve", "--unix", "/x", "--tcp", "1"}).find("only one of") != std::string::npos);
    CHECK(error_of({"connect", "srv", "--tcp", "1"}).find("only one of") != std::string::npos);
    CHECK(error_of({"connect", "--tcp", "0"}).find("port 0") != std::string::npos);
    CHECK(error_of({"serve", "--tcp", "65536"}).find("out of range") != std::string::npos);
    CHECK(error_of({"serve", "--tcp", "::1:80"}).find("brackets") != std::string::npos);
    CHECK(error_of({"serve", "--tcp", "[::1]"}).find("[IPV6-HOST]:PORT") != std::string::npos);
    CHECK(error_of({"serve", "--tcp", ":80"}).find("empty host") != std::string::npos);
    CHECK(error_of({"serve", "--tcp", "host:"}).find("non-negative integer") != std::string::npos);
    CHECK(error_of({"serve", "--retry", "-5"}).find("non-negative integer") != std::string::npos);
    CHECK(error_of({"serve", "--retry", "99999999999"}).find("out of range") != std::string::npos);
    CHECK(error_of({"connect", "--max-retries", "x"}).find("non-negative integer") != std::string::npos);
    CHECK(error_of({"connect", "--wire", "msgpack"}).find("'msgpack' is not supported") != std::string::npos);
}

TEST_CASE("cli options: --topic subscribes connect to broadcasts, repeatable, connect only", "[cli]") {
    const ParseResult result = parse({"connect", "--topic", "ticks.", "--topic=news"});
    REQUIRE(result.action == Action::run);
    CHECK(result.options.topics == std::vector<std::string>{"ticks.", "news"});
    CHECK(parse({"connect"}).options.topics.empty());
    CHECK(error_of({"serve", "--topic", "x"}) == "option '--topic' is only for 'connect'");
}
