#include "bus/consumer_fsm.hpp"

#include <algorithm>

#include "ipcxx/error.hpp"

namespace ipcxx::detail {
namespace consumer_fsm {

bool starts_with(const std::string& text, std::string_view prefix) {
    return text.size() >= prefix.size() && text.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace consumer_fsm

ConsumerFsm::ConsumerFsm(ConsumerSettings settings) : settings_(std::move(settings)) {}

std::vector<std::string> ConsumerFsm::create_group() const {
    return {"XGROUP", "CREATE", settings_.key, settings_.group, "0", "MKSTREAM"};
}

bool ConsumerFsm::group_exists(const std::string& error_text) noexcept {
    return consumer_fsm::starts_with(error_text, "BUSYGROUP");
}

bool ConsumerFsm::group_missing(const std::string& error_text) noexcept {
    return consumer_fsm::starts_with(error_text, "NOGROUP");
}

std::vector<std::string> ConsumerFsm::next_read() const {
    std::vector<std::string> args{"XREADGROUP", "GROUP", settings_.group, settings_.consumer,
                                  "COUNT", std::to_string(settings_.batch)};
    // Reading one's own pending entries never blocks: they are there or they are not.
    if (!recovering_) args.insert(args.end(), {"BLOCK", std::to_string(settings_.block.count())});
    args.insert(args.end(), {"STREAMS", settings_.key, recovering_ ? recovery_cursor_ : std::string(">")});
    return args;
}

void ConsumerFsm::restart() noexcept {
    recovering_ = true;
    recovery_cursor_ = "0";
}

ConsumerBatch ConsumerFsm::on_read(const RedisReply& reply, std::error_code& ec, std::string& detail) {
    ConsumerBatch batch;
    std::vector<StreamEntry> entries;
    ec = parse_stream_read(reply, entries, detail);
    if (ec) return batch;
    if (recovering_) {
        if (entries.empty()) {
            recovering_ = false;
            return batch;
        }
        recovery_cursor_ = entries.back().id;
        for (StreamEntry& entry : entries) {
            if (entry.trimmed) batch.ready.push_back(trimmed(std::move(entry.id)));
            else batch.to_count.push_back(std::move(entry));
        }
        return batch;
    }
    for (StreamEntry& entry : entries) {
        if (entry.trimmed) batch.ready.push_back(trimmed(std::move(entry.id)));
        else batch.ready.push_back(judge(std::move(entry), 1));
    }
    return batch;
}

std::vector<std::string> ConsumerFsm::next_claim() const {
    return {"XAUTOCLAIM", settings_.key, settings_.group, settings_.consumer,
            std::to_string(settings_.claim_min_idle.count()), claim_cursor_, "COUNT", std::to_string(settings_.batch)};
}

ConsumerBatch ConsumerFsm::on_claim(const RedisReply& reply, std::error_code& ec, std::string& detail) {
    ConsumerBatch batch;
    AutoClaimResult result;
    ec = parse_autoclaim(reply, result, detail);
    if (ec) return batch;
    claim_cursor_ = result.cursor.empty() ? std::string("0-0") : result.cursor;
    for (std::string& id : result.deleted) batch.ready.push_back(trimmed(std::move(id)));
    batch.to_count = std::move(result.entries);
    return batch;
}

std::vector<std::string> ConsumerFsm::pending_query(const std::vector<StreamEntry>& entries) const {
    if (entries.empty()) return {};
    auto [first, last] = std::minmax_element(entries.begin(), entries.end(), [](const StreamEntry& a, const StreamEntry& b) {
        const std::uint64_t ma = stream_id_ms(a.id), mb = stream_id_ms(b.id);
        if (ma != mb) return ma < mb;
        const auto sa = a.id.substr(a.id.find('-') + 1), sb = b.id.substr(b.id.find('-') + 1);
        return sa.size() != sb.size() ? sa.size() < sb.size() : sa < sb;
    });
    // The span may hold other consumers' entries too: ask for a few more than ours.
    return {"XPENDING", settings_.key, settings_.group, first->id, last->id,
            std::to_string(entries.size() * 4 + 16), settings_.consumer};
}

std::vector<EntryVerdict> ConsumerFsm::on_pending(std::vector<StreamEntry> entries, const RedisReply& reply,
                                                  std::error_code& ec, std::string& detail) const {
    std::vector<EntryVerdict> verdicts;
    std::vector<PendingInfo> pending;
    ec = parse_pending(reply, pending, detail);
    if (ec) return verdicts;
    for (StreamEntry& entry : entries) {
        auto it = std::find_if(pending.begin(), pending.end(), [&](const PendingInfo& info) {
            return info.id == entry.id && info.consumer == settings_.consumer;
        });
        // Not pending for this consumer any more: acknowledged, or claimed by another in between.
        if (it == pending.end()) continue;
        verdicts.push_back(judge(std::move(entry), it->deliveries));
    }
    return verdicts;
}

EntryVerdict ConsumerFsm::judge(StreamEntry entry, std::uint64_t deliveries) const {
    EntryVerdict verdict;
    verdict.deliveries = deliveries;
    std::string detail;
    if (deliveries > settings_.max_deliveries) {
        verdict.action = EntryVerdict::Action::dead_letter;
        verdict.reason = "delivered " + std::to_string(deliveries) + " times, more than max_deliveries (" +
                         std::to_string(settings_.max_deliveries) + ")";
    } else if (decode_bus_entry(entry, verdict.decoded, detail)) {
        verdict.action = EntryVerdict::Action::dead_letter;
        verdict.reason = "not a bus entry: " + detail;
    } else {
        verdict.action = EntryVerdict::Action::deliver;
    }
    verdict.entry = std::move(entry);
    return verdict;
}

EntryVerdict ConsumerFsm::trimmed(std::string id) {
    EntryVerdict verdict;
    verdict.action = EntryVerdict::Action::trimmed;
    verdict.entry.id = std::move(id);
    verdict.entry.trimmed = true;
    verdict.reason = "entry " + verdict.entry.id + " was pending but its data was trimmed or deleted";
    return verdict;
}

std::vector<std::string> ConsumerFsm::ack(const std::vector<std::string>& ids) const {
    std::vector<std::string> args{"XACK", settings_.key, settings_.group};
    args.insert(args.end(), ids.begin(), ids.end());
    return args;
}

std::vector<std::string> ConsumerFsm::dead_letter(const EntryVerdict& verdict) const {
    std::vector<std::string> args{"XADD", settings_.dead_key, "*"};
    for (const auto& field : verdict.entry.fields) args.insert(args.end(), {field.first, field.second});
    args.insert(args.end(), {"dead-id", verdict.entry.id, "dead-reason", verdict.reason, "dead-deliveries",
                             std::to_string(verdict.deliveries), "dead-consumer", settings_.consumer});
    return args;
}

}  // namespace ipcxx::detail
