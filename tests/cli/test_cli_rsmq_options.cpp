// `ipcxx rsmq` argument parsing and output lines (tools/ipcxx/rsmq_options.cpp), without Redis.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "rsmq_options.hpp"

namespace test_cli_rsmq_options {

using ipcxx_cli::RsmqCommand;

ipcxx_cli::RsmqCliOptions parsed(std::vector<std::string> args) {
    auto result = ipcxx_cli::parse_rsmq_options(args);
    INFO(result.error);
    REQUIRE(result.ok);
    return result.options;
}

std::string refused(std::vector<std::string> args) {
    auto result = ipcxx_cli::parse_rsmq_options(args);
    REQUIRE_FALSE(result.ok);
    REQUIRE_FALSE(result.help);
    CHECK(result.error.find('\n') == std::string::npos);
    return result.error;
}

TEST_CASE("cli rsmq options: each command and its flags", "[cli]") {
    auto create = parsed({"create", "--redis", "unix:///tmp/r.sock", "--queue", "jobs", "--vt=5", "--maxsize", "-1"});
    CHECK(create.command == RsmqCommand::create);
    CHECK(create.redis == "unix:///tmp/r.sock");
    CHECK(create.queue == "jobs");
    CHECK(create.vt == 5);
    CHECK(create.maxsize == -1);
    CHECK_FALSE(create.delay);

    auto send = parsed({"send", "--queue", "q", "--delay", "3", "--realtime", "hello world"});
    CHECK(send.command == RsmqCommand::send);
    CHECK(send.delay == 3);
    CHECK(send.realtime);
    CHECK(send.has_argument);
    CHECK(send.argument == "hello world");
    CHECK_FALSE(parsed({"send", "--queue", "q"}).has_argument);  // stdin lines
    CHECK(parsed({"send", "--queue", "q", "--", "--not-a-flag"}).argument == "--not-a-flag");

    auto receive = parsed({"receive", "--queue", "q", "--keep", "--wait", "250", "--ns", "app"});
    CHECK(receive.keep);
    CHECK(receive.wait == std::chrono::milliseconds(250));
    CHECK(receive.ns == "app");
    CHECK(parsed({"delete", "--queue", "q", "hoshw3o391exTm3GsPeCMvBDZsbaDYG0"}).argument.size() == 32);
    CHECK(parsed({"delete", "--queue", "q", "--drop-queue"}).drop_queue);
    CHECK(parsed({"list"}).command == RsmqCommand::list);
    CHECK(parsed({"attrs", "--queue", "q", "--delay", "1"}).delay == 1);
    CHECK(ipcxx_cli::parse_rsmq_options({"receive", "--help"}).help);
}

TEST_CASE("cli rsmq options: usage errors name what is wrong", "[cli]") {
    CHECK(refused({}).find("needs a command") != std::string::npos);
    CHECK(refused({"peek"}) == "unknown rsmq command 'peek'");
    CHECK(refused({"receive"}) == "rsmq receive needs --queue Q");
    CHECK(refused({"receive", "--queue", "q", "--delay", "1"}) == "rsmq receive does not take option '--delay'");
    CHECK(refused({"send", "--queue", "q", "--keep"}) == "rsmq send does not take option '--keep'");
    CHECK(refused({"create", "--queue", "q", "--vt", "ten"}) == "option '--vt' needs an integer, not 'ten'");
    CHECK(refused({"create", "--queue"}) == "option '--queue' needs a value");
    CHECK(refused({"receive", "--queue", "q", "extra"}) == "rsmq receive takes no argument, not 'extra'");
    CHECK(refused({"send", "--queue", "q", "a", "b"}) == "rsmq send: unexpected argument 'b'");
    CHECK(refused({"receive", "--queue", "q", "--keep=1"}) == "option '--keep' takes no value");
    CHECK(refused({"receive", "--queue", "q", "--wait", "-1"}).find("non-negative") != std::string::npos);
    CHECK(refused({"delete", "--queue", "q"}).find("--drop-queue") != std::string::npos);
    CHECK(refused({"delete", "--queue", "q", "--drop-queue", "ID"}).find("--drop-queue") != std::string::npos);
}

TEST_CASE("cli rsmq output: messages and attributes as JSON lines with rsmq's names", "[cli]") {
    ipcxx::RsmqMessage m;
    m.id = "hoshw3o391exTm3GsPeCMvBDZsbaDYG0";
    m.message = "say \"hi\"\n";
    m.rc = 2;
    m.fr = 1796459045000;
    m.sent = 1796459044116.853;
    CHECK(ipcxx_cli::rsmq_message_line(m) ==
          R"({"id":"hoshw3o391exTm3GsPeCMvBDZsbaDYG0","message":"say \"hi\"\n","rc":2,"fr":1796459045000,)"
          R"("sent":1796459044116.853})");
    ipcxx::RsmqQueueAttributes a;
    a.vt = 30;
    a.maxsize = -1;
    a.msgs = 3;
    CHECK(ipcxx_cli::rsmq_attributes_line(a) ==
          R"({"vt":30,"delay":0,"maxsize":-1,"totalrecv":0,"totalsent":0,"created":0,"modified":0,)"
          R"("msgs":3,"hiddenmsgs":0})");
}

}  // namespace test_cli_rsmq_options
