#include "bus/stream_reply.hpp"

#include <charconv>

#include "ipcxx/error.hpp"

namespace ipcxx::detail {
namespace stream_reply {

using Kind = RedisReply::Kind;

std::error_code bad(std::string& detail, std::string what) {
    detail = std::move(what);
    return make_error_code(errc::redis_protocol_error);
}

bool is_text(const RedisReply& r) { return r.kind == Kind::bulk || r.kind == Kind::status; }

bool to_u64(const RedisReply& r, std::uint64_t& out) {
    if (r.kind == Kind::integer) {
        if (r.integer < 0) return false;
        out = static_cast<std::uint64_t>(r.integer);
        return true;
    }
    if (!is_text(r)) return false;
    const char* end = r.text.data() + r.text.size();
    auto [ptr, ec] = std::from_chars(r.text.data(), end, out);
    return ec == std::errc() && ptr == end;
}

std::error_code parse_entry(const RedisReply& r, StreamEntry& entry, std::string& detail) {
    if (r.kind != Kind::array || r.elements.size() != 2 || !is_text(r.elements[0])) {
        return bad(detail, "a stream entry is not [id, fields]");
    }
    entry.id = r.elements[0].text;
    const RedisReply& fields = r.elements[1];
    if (fields.is_nil()) {
        entry.trimmed = true;
        return {};
    }
    if (fields.kind != Kind::array || fields.elements.size() % 2 != 0) {
        return bad(detail, "the fields of entry " + entry.id + " are not name/value pairs");
    }
    for (std::size_t i = 0; i < fields.elements.size(); i += 2) {
        if (!is_text(fields.elements[i]) || !is_text(fields.elements[i + 1])) {
            return bad(detail, "a field of entry " + entry.id + " is not a string");
        }
        entry.fields.emplace_back(fields.elements[i].text, fields.elements[i + 1].text);
    }
    return {};
}

}  // namespace stream_reply

const std::string* StreamEntry::field(std::string_view name) const {
    for (const auto& f : fields) {
        if (f.first == name) return &f.second;
    }
    return nullptr;
}

std::error_code parse_entries(const RedisReply& reply, std::vector<StreamEntry>& out, std::string& detail) {
    if (reply.kind != RedisReply::Kind::array) return stream_reply::bad(detail, "stream entries are not an array");
    out.reserve(out.size() + reply.elements.size());
    for (const RedisReply& element : reply.elements) {
        StreamEntry entry;
        if (auto ec = stream_reply::parse_entry(element, entry, detail)) return ec;
        out.push_back(std::move(entry));
    }
    return {};
}

std::error_code parse_stream_read(const RedisReply& reply, std::vector<StreamEntry>& out, std::string& detail) {
    if (reply.is_nil()) return {};
    if (reply.kind != RedisReply::Kind::array || reply.elements.size() != 1) {
        return stream_reply::bad(detail, "a read of one stream did not answer one [key, entries] pair");
    }
    const RedisReply& stream = reply.elements[0];
    if (stream.kind != RedisReply::Kind::array || stream.elements.size() != 2 || !stream_reply::is_text(stream.elements[0])) {
        return stream_reply::bad(detail, "a stream read's element is not [key, entries]");
    }
    return parse_entries(stream.elements[1], out, detail);
}

std::error_code parse_autoclaim(const RedisReply& reply, AutoClaimResult& out, std::string& detail) {
    if (reply.kind != RedisReply::Kind::array || reply.elements.size() < 2 || reply.elements.size() > 3 ||
        !stream_reply::is_text(reply.elements[0])) {
        return stream_reply::bad(detail, "XAUTOCLAIM did not answer [cursor, entries, deleted ids]");
    }
    out.cursor = reply.elements[0].text;
    if (auto ec = parse_entries(reply.elements[1], out.entries, detail)) return ec;
    if (reply.elements.size() == 3) {
        const RedisReply& deleted = reply.elements[2];
        if (deleted.kind != RedisReply::Kind::array) return stream_reply::bad(detail, "XAUTOCLAIM's deleted ids are not an array");
        for (const RedisReply& id : deleted.elements) {
            if (!stream_reply::is_text(id)) return stream_reply::bad(detail, "an id XAUTOCLAIM deleted is not a string");
            out.deleted.push_back(id.text);
        }
    }
    // Redis before 7 leaves trimmed entries among the claimed ones, with nil fields.
    for (auto it = out.entries.begin(); it != out.entries.end();) {
        if (it->trimmed) {
            out.deleted.push_back(it->id);
            it = out.entries.erase(it);
        } else {
            ++it;
        }
    }
    return {};
}

std::error_code parse_pending(const RedisReply& reply, std::vector<PendingInfo>& out, std::string& detail) {
    if (reply.kind != RedisReply::Kind::array) return stream_reply::bad(detail, "XPENDING did not answer an array");
    for (const RedisReply& line : reply.elements) {
        PendingInfo info;
        if (line.kind != RedisReply::Kind::array || line.elements.size() != 4 || !stream_reply::is_text(line.elements[0]) ||
            !stream_reply::is_text(line.elements[1]) || !stream_reply::to_u64(line.elements[2], info.idle_ms) ||
            !stream_reply::to_u64(line.elements[3], info.deliveries)) {
            return stream_reply::bad(detail, "an XPENDING line is not [id, consumer, idle, deliveries]");
        }
        info.id = line.elements[0].text;
        info.consumer = line.elements[1].text;
        out.push_back(std::move(info));
    }
    return {};
}

std::uint64_t stream_id_ms(std::string_view id) noexcept {
    std::uint64_t ms = 0;
    auto [ptr, ec] = std::from_chars(id.data(), id.data() + id.size(), ms);
    if (ec != std::errc() || (ptr != id.data() + id.size() && *ptr != '-')) return 0;
    return ms;
}

}  // namespace ipcxx::detail
