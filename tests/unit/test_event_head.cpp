#include "connection/message_encoder.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "ipcxx/error.hpp"

using ipcxx::detail::EventHead;

namespace {

// The frame encode_outgoing makes for the event: what every header must match.
std::string whole_frame(const ipcxx::Config& config, std::string_view event, std::string_view data) {
    std::string out;
    std::string detail;
    REQUIRE_FALSE(ipcxx::detail::encode_event(event, data, true, config, out, detail));
    return out;
}

std::string head_then(const std::shared_ptr<const ipcxx::Config>& config, std::string_view event, std::string_view data) {
    EventHead head;
    std::string detail;
    REQUIRE_FALSE(ipcxx::detail::encode_event_head(config, event, data.size(), head, detail));
    return std::string(head.view()) + std::string(data);
}

}  // namespace

TEST_CASE("event head: a name sent again gets the header encode_outgoing would make, sized anew", "[encoder]") {
    const auto config = std::make_shared<const ipcxx::Config>();
    const std::string datas[] = {std::string("\x01"), std::string("\xa3" "abc"), std::string(300, 'x'),
                                 std::string(70000, 'y'), std::string("\x02")};
    // Each name with data of every size in a row: all but the first from the cache.
    for (const std::string_view name : {"msg", "other", "msg"}) {
        for (const std::string& data : datas) CHECK(head_then(config, name, data) == whole_frame(*config, name, data));
    }
    const std::string long_name(EventHead::max_cached_name + 1, 'n');
    CHECK(head_then(config, long_name, "\x01") == whole_frame(*config, long_name, "\x01"));
}

TEST_CASE("event head: the checks hold for a name the thread has sent before", "[encoder]") {
    auto small = std::make_shared<ipcxx::Config>();
    small->max_message_size = 64;
    const std::shared_ptr<const ipcxx::Config> config = small;
    EventHead head;
    std::string detail;
    REQUIRE_FALSE(ipcxx::detail::encode_event_head(config, "msg", 10, head, detail));
    // Over max_message_size once the header is counted: refused, as encode_outgoing refuses it.
    CHECK(ipcxx::detail::encode_event_head(config, "msg", 60, head, detail) == ipcxx::errc::frame_too_large);
    CHECK_FALSE(detail.empty());

    // Another config that does not allow the name: the header made for the first is not reused.
    auto strict = std::make_shared<ipcxx::Config>();
    strict->allowed_events = {"only"};
    const std::shared_ptr<const ipcxx::Config> other = strict;
    CHECK(ipcxx::detail::encode_event_head(other, "msg", 10, head, detail) == ipcxx::errc::event_not_allowed);
    CHECK_FALSE(ipcxx::detail::encode_event_head(config, "msg", 10, head, detail));
    CHECK(ipcxx::detail::encode_event_head(config, "", 10, head, detail) == ipcxx::errc::invalid_argument);
}
