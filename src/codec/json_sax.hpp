// JSON text -> msgpack bytes through RapidJSON's SAX reader, shared by the frame decoder and
// json_to_msgpack. Internal to the codec.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <msgpack.hpp>
#include <rapidjson/reader.h>

namespace ipcxx::detail {

// Appends a JSON number that is not an exact 64-bit integer literal as msgpack: integral values
// within +/-2^53 as ints (JSON from JavaScript has no int/float distinction), others as float64.
void append_number_as_msgpack(double d, std::string& out);

// Where a member of the root object was written in the msgpack buffer.
struct MemberRange {
    std::size_t begin = 0;
    std::size_t end = 0;
    bool present = false;
};

// SAX handler writing every value into `buf` as msgpack. Containers get map32/array32 headers
// whose counts are patched at their end, so no second pass is needed.
// In envelope mode the root object's keys are not written (its header is, unused) and its
// "type" and "data" members are located by their MemberRange.
class MsgpackSaxHandler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, MsgpackSaxHandler> {
public:
    static constexpr std::size_t max_depth = 512;

    std::string buf;
    std::vector<std::size_t> open;  // offsets of the headers of open containers
    MemberRange type;
    MemberRange data;
    bool envelope = false;
    bool root_is_object = false;
    bool too_deep = false;
    bool number_out_of_range = false;

    void reset(bool envelope_mode);

    bool Null() { return scalar([&] { packer_.pack_nil(); }); }
    bool Bool(bool b) { return scalar([&] { b ? packer_.pack_true() : packer_.pack_false(); }); }
    // Numbers arrive as text (kParseNumbersAsStringsFlag): RapidJSON 1.1's own full-precision
    // conversion misreads some numbers and crashes on others (a long run of zeros).
    bool RawNumber(const char* s, rapidjson::SizeType len, bool);
    bool String(const char* s, rapidjson::SizeType len, bool) {
        return scalar([&] { packer_.pack_str(len).pack_str_body(s, len); });
    }
    bool Key(const char* s, rapidjson::SizeType len, bool);
    bool StartObject() { return start(0xDF); }
    bool StartArray() { return start(0xDD); }
    bool EndObject(rapidjson::SizeType count) { return end(count); }
    bool EndArray(rapidjson::SizeType count) { return end(count); }

private:
    struct Sink {
        std::string* s;
        void write(const char* p, std::size_t n) { s->append(p, n); }
    };

    template <class Pack>
    bool scalar(Pack pack) {
        pack();
        if (open.size() == 1) member_done();
        return true;
    }
    bool start(unsigned char header);
    bool end(rapidjson::SizeType count);
    void member_done();

    Sink sink_{&buf};
    msgpack::packer<Sink> packer_{sink_};
    MemberRange* member_ = nullptr;
    std::size_t member_begin_ = 0;
};

// Validates and parses one JSON text into `handler.buf`. Reusable; not thread-safe.
class JsonSaxParser {
public:
    MsgpackSaxHandler handler;

    // Errors: invalid_utf8 (strict UTF-8 is checked first) or invalid_json (also for NUL bytes,
    // nesting deeper than 512 and an empty text); `detail` gets a one-line reason.
    std::error_code parse(std::string_view text, bool envelope, std::string& detail);

private:
    rapidjson::Reader reader_;  // kept: its internal stack is reused between parses
    std::string rewritten_;              // text with lone high surrogates replaced (rare)
    std::vector<std::size_t> rewrites_;  // offsets in `rewritten_` of those replacements
};

}  // namespace ipcxx::detail
