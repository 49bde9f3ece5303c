#include "channel/channel_framing.hpp"

#include "codec/json_lines.hpp"
#include "codec/v8_wire.hpp"
#include "ipcxx/error.hpp"

namespace ipcxx::detail {
namespace channel_framing {

// Reading through a reader with JsonLineReader's interface; writing is the serialization's own.
template <class Reader>
class ReaderFraming : public ChannelFraming {
public:
    explicit ReaderFraming(std::size_t max_message_size) : max_(max_message_size), reader_(max_message_size) {}

    Span prepare(std::size_t min_size) override {
        const typename Reader::Span span = reader_.prepare(min_size);
        return {span.data, span.size};
    }
    void commit(std::size_t n) override { reader_.commit(n); }
    bool next(std::string_view& value, std::error_code& ec) override { return reader_.next(value, ec); }
    std::error_code finish() override { return reader_.finish(); }
    const std::string& error_detail() const override { return reader_.error_detail(); }

protected:
    std::size_t max_;

private:
    Reader reader_;
};

// serialization 'json': one JSON.stringify(value) + '\n' per message.
class JsonLinesFraming final : public ReaderFraming<JsonLineReader> {
public:
    using ReaderFraming::ReaderFraming;

    std::error_code encode(std::string_view msgpack_value, std::string& out, std::string* detail) override {
        const std::size_t old_size = out.size();
        if (const std::error_code ec = append_json_line(msgpack_value, out, detail)) return ec;
        const std::size_t size = out.size() - old_size - 1;
        if (max_ != 0 && size > max_) {
            out.resize(old_size);
            if (detail) {
                *detail = "message of " + std::to_string(size) + " bytes is over max_message_size " +
                          std::to_string(max_);
            }
            return make_error_code(errc::frame_too_large);
        }
        return {};
    }
};

// serialization 'advanced': a uint32 big-endian length, then V8 ValueSerializer bytes.
class V8Framing final : public ReaderFraming<V8FrameReader> {
public:
    using ReaderFraming::ReaderFraming;

    // Stateless: safe on senders' threads.
    std::error_code encode(std::string_view msgpack_value, std::string& out, std::string* detail) override {
        return append_v8_frame(msgpack_value, max_, out, detail);
    }
};

}  // namespace channel_framing

std::unique_ptr<ChannelFraming> make_framing(ChannelSerialization serialization, std::size_t max_message_size) {
    switch (serialization) {
        case ChannelSerialization::json: break;
        case ChannelSerialization::advanced: return std::make_unique<channel_framing::V8Framing>(max_message_size);
    }
    return std::make_unique<channel_framing::JsonLinesFraming>(max_message_size);
}

std::string_view serialization_mode(ChannelSerialization serialization) {
    return serialization == ChannelSerialization::advanced ? "advanced" : "json";
}

bool parse_serialization_mode(std::string_view mode, ChannelSerialization& serialization) {
    if (mode == "advanced") {
        serialization = ChannelSerialization::advanced;
    } else if (mode.empty() || mode == "json") {
        serialization = ChannelSerialization::json;
    } else {
        return false;
    }
    return true;
}

}  // namespace ipcxx::detail
