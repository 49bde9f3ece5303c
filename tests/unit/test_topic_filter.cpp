#include "server/topic_filter.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using ipcxx::detail::TopicFilter;

TEST_CASE("topic filter: names and prefixes match, others do not", "[fanout]") {
    const TopicFilter filter({"ticks.", "news", "alerts.eu."});
    CHECK(filter.matches("ticks."));
    CHECK(filter.matches("ticks.eurusd"));
    CHECK(filter.matches("news"));
    CHECK(filter.matches("newsletter"));  // a prefix, not a whole-name match
    CHECK(filter.matches("alerts.eu.paris"));
    CHECK_FALSE(filter.matches("ticks"));
    CHECK_FALSE(filter.matches("tick"));
    CHECK_FALSE(filter.matches("alerts.us.ny"));
    CHECK_FALSE(filter.matches("alerts.eu"));
    CHECK_FALSE(filter.matches(""));
    CHECK_FALSE(filter.matches("zzz"));
    CHECK_FALSE(filter.matches("a"));
}

TEST_CASE("topic filter: redundant prefixes and duplicates are dropped, the rest still matches", "[fanout]") {
    const TopicFilter filter({"ticks.eu", "ticks.", "ticks.", "ticks.us.ny", "tickets"});
    CHECK(filter.prefixes() == std::vector<std::string>{"tickets", "ticks."});
    // Between "ticks." and a name it prefixes, no other kept entry can sit.
    CHECK(filter.matches("ticks.eu"));
    CHECK(filter.matches("ticks.us.ny"));
    CHECK(filter.matches("tickets.sold"));
    CHECK_FALSE(filter.matches("ticker"));
}

TEST_CASE("topic filter: the empty prefix matches everything, no prefix matches nothing", "[fanout]") {
    const TopicFilter all({"", "x"});
    CHECK(all.prefixes() == std::vector<std::string>{""});
    CHECK(all.matches(""));
    CHECK(all.matches("anything"));
    const TopicFilter none({});
    CHECK_FALSE(none.matches("anything"));
}

TEST_CASE("topic filter: agrees with a linear scan over many prefixes", "[fanout]") {
    std::vector<std::string> prefixes;
    for (int i = 0; i < 300; ++i) prefixes.push_back("t" + std::to_string(i * 7 % 500) + (i % 3 == 0 ? "." : ""));
    const TopicFilter filter(prefixes);
    for (int n = 0; n < 2000; ++n) {
        const std::string name = "t" + std::to_string(n % 600) + (n % 2 ? ".x" : "");
        bool linear = false;
        for (const auto& p : prefixes) linear = linear || name.compare(0, p.size(), p) == 0;
        INFO(name);
        CHECK(filter.matches(name) == linear);
    }
}
