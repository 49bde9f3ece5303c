#include "redis/cluster_map.hpp"

#include <charconv>

#include "ipcxx/error.hpp"

namespace ipcxx::detail {
namespace cluster_map_parts {

bool read_port(const std::string& text, std::uint16_t& port) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) return false;
    port = static_cast<std::uint16_t>(value);
    return true;
}

}  // namespace cluster_map_parts

std::size_t ClusterSlotMap::index_of(const ClusterNode& node) {
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        if (nodes_[i] == node) return i;
    }
    nodes_.push_back(node);
    return nodes_.size() - 1;
}

std::error_code ClusterSlotMap::assign(const RedisReply& reply, const std::string& answered_by_host) {
    const auto bad = make_error_code(errc::redis_protocol_error);
    if (reply.kind != RedisReply::Kind::array) return bad;
    std::vector<ClusterNode> nodes;
    std::array<std::uint16_t, cluster_slot_count> slots;
    slots.fill(none);
    for (const auto& range : reply.elements) {
        if (range.kind != RedisReply::Kind::array || range.elements.size() < 3) return bad;
        const auto& first = range.elements[0];
        const auto& last = range.elements[1];
        const auto& master = range.elements[2];
        if (first.kind != RedisReply::Kind::integer || last.kind != RedisReply::Kind::integer ||
            first.integer < 0 || last.integer >= cluster_slot_count || first.integer > last.integer ||
            master.kind != RedisReply::Kind::array || master.elements.size() < 2 ||
            master.elements[0].kind != RedisReply::Kind::bulk || master.elements[1].kind != RedisReply::Kind::integer ||
            master.elements[1].integer <= 0 || master.elements[1].integer > 65535) {
            return bad;
        }
        ClusterNode node{master.elements[0].text.empty() ? answered_by_host : master.elements[0].text,
                         static_cast<std::uint16_t>(master.elements[1].integer)};
        std::size_t index = 0;
        while (index < nodes.size() && !(nodes[index] == node)) ++index;
        if (index == nodes.size()) nodes.push_back(node);
        for (long long slot = first.integer; slot <= last.integer; ++slot) {
            slots[static_cast<std::size_t>(slot)] = static_cast<std::uint16_t>(index);
        }
    }
    nodes_ = std::move(nodes);
    slots_ = slots;
    filled_ = true;
    return {};
}

void ClusterSlotMap::set(std::uint16_t slot, const ClusterNode& node) {
    if (!filled_) {
        slots_.fill(none);
        filled_ = true;
    }
    if (slot < cluster_slot_count) slots_[slot] = static_cast<std::uint16_t>(index_of(node));
}

std::optional<ClusterNode> ClusterSlotMap::node_of(std::uint16_t slot) const {
    if (!filled_ || slot >= cluster_slot_count || slots_[slot] == none) return std::nullopt;
    return nodes_[slots_[slot]];
}

std::optional<ClusterRedirect> parse_cluster_redirect(const std::string& text) {
    ClusterRedirect redirect;
    std::size_t at = 0;
    if (text.compare(0, 6, "MOVED ") == 0) {
        at = 6;
    } else if (text.compare(0, 4, "ASK ") == 0) {
        redirect.ask = true;
        at = 4;
    } else {
        return std::nullopt;
    }
    const auto space = text.find(' ', at);
    if (space == std::string::npos) return std::nullopt;
    unsigned slot = 0;
    const auto [end, ec] = std::from_chars(text.data() + at, text.data() + space, slot);
    if (ec != std::errc() || end != text.data() + space || slot >= cluster_slot_count) return std::nullopt;
    redirect.slot = static_cast<std::uint16_t>(slot);
    // The port follows the last colon, so an IPv6 address keeps its own colons.
    const std::string address = text.substr(space + 1);
    const auto colon = address.rfind(':');
    if (colon == std::string::npos || colon == 0) return std::nullopt;
    redirect.node.host = address.substr(0, colon);
    if (!cluster_map_parts::read_port(address.substr(colon + 1), redirect.node.port)) return std::nullopt;
    return redirect;
}

ClusterDecision decide_cluster_reply(std::error_code ec, const RedisReply& reply, std::size_t redirects,
                                     std::size_t limit) {
    ClusterDecision decision;
    if (ec != make_error_code(errc::redis_error_reply) || reply.kind != RedisReply::Kind::error) return decision;
    const auto redirect = parse_cluster_redirect(reply.text);
    if (!redirect) return decision;
    decision.redirect = *redirect;
    decision.action = redirects >= limit ? ClusterDecision::Action::give_up : ClusterDecision::Action::redirect;
    return decision;
}

}  // namespace ipcxx::detail
