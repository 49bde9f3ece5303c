// `ipcxx request [SERVER_ID] EVENT [JSON]`: its arguments and --timeout (tools/ipcxx/options.cpp).

#include "option_checks.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using ipcxx_cli::Command;
using ipcxx_cli::Options;
using ipcxx_cli::Transport;

using cli_test::contains;
using cli_test::error_of;
using cli_test::run;

TEST_CASE("cli request: defaults", "[cli]") {
    const Options o = run({"request", "ping"});
    CHECK(o.command == Command::request);
    CHECK(o.event == "ping");
    CHECK(o.args.empty());
    CHECK(o.server_id == "world");
    CHECK(o.transport == Transport::by_id);
    CHECK(o.id == "ipcxx-cli");
    CHECK(o.timeout.count() == 5000);
}

TEST_CASE("cli request: SERVER_ID, EVENT and JSON", "[cli]") {
    const Options three = run({"request", "svc", "add", "[1,2]"});
    CHECK(three.server_id == "svc");
    CHECK(three.event == "add");
    CHECK(three.args.to_json() == "[1,2]");

    // Of two arguments, the second is JSON when it starts like JSON...
    const Options event_json = run({"request", "add", "[1,2]"});
    CHECK(event_json.server_id == "world");
    CHECK(event_json.event == "add");
    CHECK(event_json.args.to_json() == "[1,2]");
    CHECK(run({"request", "echo", "\"text\""}).args.to_json() == "\"text\"");
    CHECK(run({"request", "n", "5"}).args.to_json() == "5");
    CHECK(run({"request", "n", "-1.5"}).args.to_json() == "-1.5");
    CHECK(run({"request", "n", "null"}).args.is_nil());
    CHECK(run({"request", "n", " {}"}).args.to_json() == "{}");

    // ...else they are SERVER_ID and EVENT.
    const Options server_event = run({"request", "svc", "ping"});
    CHECK(server_event.server_id == "svc");
    CHECK(server_event.event == "ping");
    CHECK(server_event.args.empty());
    CHECK(run({"request", "svc", "nullable"}).event == "nullable");

    // With --unix or --tcp there is no SERVER_ID: the second argument is JSON.
    const Options tcp = run({"request", "--tcp", "8000", "add", "{\"x\":1}", "--timeout=250"});
    CHECK(tcp.transport == Transport::tcp);
    CHECK(tcp.port == 8000);
    CHECK(tcp.event == "add");
    CHECK(tcp.args.to_json() == "{\"x\":1}");
    CHECK(tcp.timeout.count() == 250);
    CHECK(run({"request", "--unix", "/x.sock", "ping"}).event == "ping");
    CHECK(run({"request", "--", "-odd-event"}).event == "-odd-event");
}

TEST_CASE("cli request: usage errors", "[cli]") {
    CHECK(contains(error_of({"request"}), "request needs an EVENT"));
    CHECK(contains(error_of({"request", ""}), "EVENT must not be empty"));
    CHECK(contains(error_of({"request", "svc", "add", "[1,"}), "argument JSON: invalid JSON"));
    // Broken JSON stays JSON: it is not taken for an event name.
    CHECK(contains(error_of({"request", "add", "[1,"}), "argument JSON: invalid JSON"));
    CHECK(contains(error_of({"request", "add", "{x}"}), "argument JSON: invalid JSON"));
    CHECK(contains(error_of({"request", "--tcp", "80", "add", "nope"}), "argument JSON: invalid JSON"));
    CHECK(contains(error_of({"request", "a", "b", "1", "2"}), "unexpected argument '2'"));
    CHECK(contains(error_of({"request", "--unix", "/x", "a", "1", "2"}), "unexpected argument '2'"));
    CHECK(contains(error_of({"request", "--tcp", "0", "a"}), "port 0"));
    CHECK(contains(error_of({"request", "--timeout", "0", "a"}), "at least 1 ms"));
    CHECK(contains(error_of({"request", "--timeout", "soon", "a"}), "non-negative integer"));
    CHECK(contains(error_of({"connect", "--timeout", "5"}), "only for 'request'"));
    CHECK(contains(error_of({"request", "--echo", "a"}), "only for 'serve'"));
    CHECK(contains(error_of({"request", "--exit-on-eof", "a"}), "only for 'connect'"));
    CHECK(contains(error_of({"ask", "a"}), "expected serve, connect or request"));
}
