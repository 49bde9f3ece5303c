#include "channel/channel_framing.hpp"

#include "codec/json_lines.hpp"
#include "ipcxx/error.hpp"

namespace ipcxx::detail {
namespace channel_framing {

// serialization 'json': one JSON.stringify(value) + '\n' per message.
class JsonLinesFraming final : public ChannelFraming {
public:
    explicit JsonLinesFraming(std::size_t max_message_size) : max_(max_message_size), reader_(max_message_size) {}

    Span prepare(std::size_t min_size) override {
        const JsonLineReader::Span span = reader_.prepare(min_size);
        return {span.data, span.size};
    }
    void commit(std::size_t n) override { reader_.commit(n); }
    bool next(std::string_view& value, std::error_code& ec) override { return reader_.next(value, ec); }
    std::error_code finish() override { return reader_.finish(); }
    const std::string& error_detail() const override { return reader_.error_detail(); }

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

private:
    std::size_t max_;
    JsonLineReader reader_;
};

}  // namespace channel_framing

std::unique_ptr<ChannelFraming> make_framing(ChannelSerialization serialization, std::size_t max_message_size) {
    switch (serialization) {
        case ChannelSerialization::json: break;
    }
    return std::make_unique<channel_framing::JsonLinesFraming>(max_message_size);
}

}  // namespace ipcxx::detail
