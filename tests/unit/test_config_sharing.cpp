// Clients built from equal Configs share one copy (docs/memory.md): equal means every field.
#include <catch2/catch.hpp>

#include "config_sharing.hpp"

namespace config_sharing_tests {

using ipcxx::detail::same_config;
using ipcxx::detail::shared_config;

TEST_CASE("config sharing: equal Configs share one copy while it is held") {
    ipcxx::Config config;
    config.id = "config-sharing-equal";
    auto first = shared_config(config);
    auto second = shared_config(config);
    CHECK(first == second);
    const std::weak_ptr<const ipcxx::Config> held = first;
    first.reset();
    second.reset();
    CHECK(held.expired());  // the last holder let it go: nothing keeps it for later clients
}

TEST_CASE("config sharing: a Config that differs in any field gets its own copy") {
    ipcxx::Config base;
    base.id = "config-sharing-differs";
    const auto shared = shared_config(base);
    auto differs = [&](auto change) {
        ipcxx::Config other = base;
        change(other);
        CHECK_FALSE(same_config(base, other));
        return shared_config(other) != shared;
    };
    CHECK(differs([](ipcxx::Config& c) { c.id += "x"; }));
    CHECK(differs([](ipcxx::Config& c) { c.retry += std::chrono::milliseconds(1); }));
    CHECK(differs([](ipcxx::Config& c) { c.wire = ipcxx::Wire::native; }));
    CHECK(differs([](ipcxx::Config& c) { c.allowed_events.push_back("a"); }));
    CHECK(differs([](ipcxx::Config& c) { c.topics.push_back("ticks."); }));
    CHECK(differs([](ipcxx::Config& c) { c.tls.server_name = "example.org"; }));
    CHECK(differs([](ipcxx::Config& c) { c.slow_subscriber.report_interval *= 2; }));
    CHECK(differs([](ipcxx::Config& c) { c.silent = !c.silent; }));
}

TEST_CASE("config sharing: a Config with a function is never shared") {
    ipcxx::Config config;
    config.id = "config-sharing-function";
    config.logger = [](std::string_view) {};
    CHECK(shared_config(config) != shared_config(config));
    config.logger = nullptr;
    config.authenticate = [](const ipcxx::PeerHello&) { return true; };
    CHECK(shared_config(config) != shared_config(config));
}

}  // namespace config_sharing_tests
