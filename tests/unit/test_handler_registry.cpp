// The handler registry's dispatch: order, the wildcard, exceptions, and close() from inside a
// handler (also of a dispatch nested in another registry's), which must not wait for itself.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "dispatch/handler_registry.hpp"

using ipcxx::detail::EventArgs;
using ipcxx::detail::Handler;
using ipcxx::detail::HandlerRegistry;

namespace {

Handler calls(std::function<void()> f) {
    return {[f](const EventArgs&) { f(); }, 0u};
}

EventArgs event(std::string_view name) {
    EventArgs args;
    args.event = name;
    return args;
}

}  // namespace

TEST_CASE("handler registry: the wildcard first, then the name's handlers in order; exceptions reported", "[dispatch]") {
    HandlerRegistry registry;
    std::vector<std::string> log;
    registry.add("msg", calls([&] { log.push_back("msg 1"); }), false);
    registry.add("*", calls([&] { log.push_back("any"); }), false);
    registry.add("ms", calls([&] { log.push_back("ms"); }), false);
    registry.add("msg", calls([&] { throw std::runtime_error("boom"); }), false);
    registry.add("msg", calls([&] { log.push_back("msg 3"); }), false);
    std::vector<std::string> errors;
    const auto on_exception = [&](const std::string& what, bool conversion) {
        errors.push_back(what + (conversion ? " (conversion)" : ""));
    };
    CHECK(registry.dispatch(event("msg"), true, on_exception) == 4);
    CHECK(log == std::vector<std::string>{"any", "msg 1", "msg 3"});
    CHECK(errors == std::vector<std::string>{"boom"});
    log.clear();
    CHECK(registry.dispatch(event("msh"), false, on_exception) == 0);
    CHECK(registry.dispatch(event("ms"), false, on_exception) == 1);
    CHECK(log == std::vector<std::string>{"ms"});
}

TEST_CASE("handler registry: close() from inside a handler, also inside another registry's dispatch", "[dispatch]") {
    HandlerRegistry outer;
    HandlerRegistry inner;
    std::vector<std::string> log;
    const auto ignore = [](const std::string&, bool) {};
    inner.add("in", calls([&] {
                  outer.close();  // the outer dispatch runs on this thread: returns at once
                  inner.close();
                  log.push_back("closed both");
              }),
              false);
    outer.add("out", calls([&] { inner.dispatch(event("in"), false, ignore); }), false);
    outer.add("out", calls([&] { log.push_back("after close"); }), false);
    CHECK(outer.dispatch(event("out"), false, ignore) == 1);  // the second handler is not called
    CHECK(log == std::vector<std::string>{"closed both"});
    CHECK(outer.closed());
    CHECK(outer.dispatch(event("out"), false, ignore) == 0);
    CHECK_FALSE(outer.run_guarded([] {}));
}
