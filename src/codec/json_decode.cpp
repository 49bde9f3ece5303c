// JSON frame text -> event name + msgpack data, without a DOM.
#include "codec/json_sax.hpp"
#include "codec/json_wire.hpp"
#include "ipcxx/error.hpp"

#include <utility>

namespace ipcxx::detail {

struct JsonFrameDecoder::State {
    JsonSaxParser parser;
};

namespace json_decode {

// One parser per thread, lent to the decoder that parses and given back by its release() (a
// connection's, after each JSON frame): thousands of JSON-wire links keep none between frames
// (docs/memory.md). A decoder that finds the thread's spare taken (a handler parsing another
// link's frame on the same thread) makes its own, which the spare slot takes or lets go.
struct SpareState {
    void* state = nullptr;
    void (*destroy)(void*) = nullptr;
    ~SpareState() {
        if (state) destroy(state);
    }
};
thread_local SpareState spare;

}  // namespace json_decode

JsonFrameDecoder::JsonFrameDecoder() = default;
JsonFrameDecoder::~JsonFrameDecoder() { delete state_; }  // not lent: the thread's spare may be gone already

void JsonFrameDecoder::release() noexcept {
    if (state_ && !json_decode::spare.state) {
        json_decode::spare.state = state_;
        json_decode::spare.destroy = [](void* state) { delete static_cast<State*>(state); };
    } else {
        delete state_;
    }
    state_ = nullptr;
    std::string().swap(detail_);
}

std::error_code JsonFrameDecoder::decode(std::string_view frame, DecodedFrame& out) {
    out = DecodedFrame{};
    detail_.clear();
    if (frame.find_first_not_of(" \t\n\r") == std::string_view::npos) {
        detail_ = "empty frame";
        return make_error_code(errc::empty_frame);
    }
    if (!state_) state_ = static_cast<State*>(std::exchange(json_decode::spare.state, nullptr));
    if (!state_) state_ = new State;
    if (const std::error_code ec = state_->parser.parse(frame, true, detail_)) return ec;

    const MsgpackSaxHandler& h = state_->parser.handler;
    if (!h.root_is_object) {
        detail_ = "received message must be a JSON object";
        return make_error_code(errc::invalid_message);
    }
    if (!h.type.present) {
        detail_ = "message has no \"type\"";
        return make_error_code(errc::invalid_event);
    }
    // The type member was written by pack_str, so its header has the minimal form.
    const std::string_view type_bytes(h.buf.data() + h.type.begin, h.type.end - h.type.begin);
    const auto t = static_cast<unsigned char>(type_bytes[0]);
    const std::size_t header = t >= 0xA0 && t <= 0xBF ? 1 : t == 0xD9 ? 2 : t == 0xDA ? 3 : t == 0xDB ? 5 : 0;
    if (header == 0 || type_bytes.size() == header) {
        detail_ = "\"type\" must be a non-empty string";
        return make_error_code(errc::invalid_event);
    }
    out.type = type_bytes.substr(header);
    if (h.data.present) out.data = std::string_view(h.buf.data() + h.data.begin, h.data.end - h.data.begin);
    return {};
}

std::error_code json_to_msgpack(std::string_view json, std::string& out, std::string* detail) {
    JsonSaxParser parser;
    std::string why;
    if (const std::error_code ec = parser.parse(json, false, why)) {
        if (detail) *detail = std::move(why);
        return ec;
    }
    out += parser.handler.buf;
    return {};
}

}  // namespace ipcxx::detail
