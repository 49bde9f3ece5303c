// Benchmark: node-ipc JSON frame text -> event name + msgpack data.
//
// Compares ipcxx's decoder (RapidJSON SAX Reader writing msgpack directly) with the other JSON
// libraries Debian packages, each adapted to produce the same msgpack as ipcxx:
//   - simdjson 3 DOM parser (reused parser, input already padded), then a walk of the tree
//   - simdjson 3 DOM parser, frame copied into a reused padded buffer first (what ipcxx would
//     have to do, its frame reader does not guarantee SIMDJSON_PADDING readable bytes)
//   - simdjson 3 On-Demand (padded input), values written to msgpack as they are visited
//   - nlohmann::json 3 SAX interface (if built with it)
//   - RapidJSON 1.1 DOM (reused pool allocator), then a walk of the tree (baseline)
//
// Every adapter follows the decoder's rules: the root must be an object, the last "type" member
// must be a non-empty string, the last "data" member (if any) is converted; integer literals that
// fit 64 bits become msgpack ints, other numbers become ints when integral within +-2^53 and
// float64 otherwise. Before timing, each adapter's output is compared with ipcxx's (as
// msgpack::object values) for every frame; the program stops if one differs.
//
// Usage: ipcxx_json_decode_bench [seconds_per_run=0.3] [runs=5]
//        ipcxx_json_decode_bench --edge-cases     (correctness table only)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <msgpack.hpp>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <simdjson.h>
#ifdef IPCXX_BENCH_HAVE_NLOHMANN
#include <nlohmann/json.hpp>
#endif

#include "codec/json_sax.hpp"
#include "codec/json_wire.hpp"
#include "codec/utf8.hpp"

namespace {

// ---------------------------------------------------------------------------------------------
// msgpack writing shared by the adapters

struct Sink {
    std::string* s;
    void write(const char* p, std::size_t n) { s->append(p, n); }
};
using Packer = msgpack::packer<Sink>;

// The decoder's rule for a JSON number that is not an integer literal fitting 64 bits.
void pack_js_double(Packer&, std::string& buf, double d) { ipcxx::detail::append_number_as_msgpack(d, buf); }

struct Range {
    std::size_t begin = 0, end = 0;
    bool present = false;
};

// For event-driven parsers that do not report container sizes up front: containers get
// map32/array32 headers patched at their end (as ipcxx does). Envelope mode as in ipcxx:
// the root object's keys are not written, its "type"/"data" members are located by Range.
class StreamWriter {
public:
    std::string buf;
    Packer pk{sink_};
    Range type, data;
    bool root_is_object = false;
    bool envelope = true;  // false: plain JSON value -> msgpack (all keys written)

    void reset() {
        buf.clear();
        open_.clear();
        type = data = Range{};
        root_is_object = false;
        member_ = nullptr;
    }
    void scalar_done() { value_done(); }
    void start(unsigned char header) {
        if (open_.empty() && header == 0xDF) root_is_object = true;
        open_.push_back({buf.size(), 0});
        const char bytes[5] = {static_cast<char>(header), 0, 0, 0, 0};
        buf.append(bytes, 5);
    }
    void end() {
        const Open o = open_.back();
        open_.pop_back();
        for (int i = 0; i < 4; ++i) buf[o.at + 1 + i] = static_cast<char>(o.count >> (24 - 8 * i));
        value_done();
    }
    void key(std::string_view k) {
        if (envelope && open_.size() == 1) {
            member_ = k == "type" ? &type : k == "data" ? &data : nullptr;
            member_begin_ = buf.size();
            return;
        }
        pk.pack_str(static_cast<std::uint32_t>(k.size())).pack_str_body(k.data(), k.size());
    }
    void str(std::string_view s) {
        pk.pack_str(static_cast<std::uint32_t>(s.size())).pack_str_body(s.data(), s.size());
        value_done();
    }
    std::size_t depth() const { return open_.size(); }

    // After a successful parse: the envelope checks of ipcxx's decoder.
    bool finish(std::string_view& type_out, std::string_view& data_out, std::string& err) const {
        if (!root_is_object) return err = "root is not an object", false;
        if (!type.present) return err = "no type", false;
        const std::string_view t(buf.data() + type.begin, type.end - type.begin);
        const auto h = static_cast<unsigned char>(t[0]);
        const std::size_t header = h >= 0xA0 && h <= 0xBF ? 1 : h == 0xD9 ? 2 : h == 0xDA ? 3 : h == 0xDB ? 5 : 0;
        if (header == 0 || t.size() == header) return err = "type not a non-empty string", false;
        type_out = t.substr(header);
        data_out = data.present ? std::string_view(buf.data() + data.begin, data.end - data.begin) : std::string_view();
        return true;
    }

private:
    struct Open {
        std::size_t at;
        std::uint32_t count;
    };
    void value_done() {
        if (open_.empty()) return;
        ++open_.back().count;
        if (envelope && open_.size() == 1 && member_) *member_ = Range{member_begin_, buf.size(), true};
    }
    Sink sink_{&buf};
    std::vector<Open> open_;
    Range* member_ = nullptr;
    std::size_t member_begin_ = 0;
};

struct Frame {
    std::string name;
    std::string text;
    simdjson::padded_string padded;
    Frame(std::string n, std::string t) : name(std::move(n)), text(std::move(t)), padded(text) {}
};

// Each adapter: bool decode(const Frame&, std::string_view& type, std::string_view& data, std::string& err).

// ---------------------------------------------------------------------------------------------
// 1. ipcxx

struct Ipcxx {
    static constexpr const char* name = "ipcxx (RapidJSON SAX)";
    ipcxx::detail::JsonFrameDecoder dec;
    bool decode(const Frame& f, std::string_view& type, std::string_view& data, std::string& err) {
        ipcxx::detail::DecodedFrame out;
        if (dec.decode(f.text, out)) return err = dec.error_detail(), false;
        type = out.type;
        data = out.data;
        return true;
    }
};

// ---------------------------------------------------------------------------------------------
// 2. simdjson DOM

class SimdDomWalker {
public:
    std::string buf;
    Packer pk{sink_};

    void pack(simdjson::dom::element e) {
        using T = simdjson::dom::element_type;
        switch (e.type()) {
        case T::ARRAY: {
            const simdjson::dom::array a = e.get_array().value_unsafe();
            pk.pack_array(static_cast<std::uint32_t>(a.size()));
            for (simdjson::dom::element x : a) pack(x);
            break;
        }
        case T::OBJECT: {
            const simdjson::dom::object o = e.get_object().value_unsafe();
            pk.pack_map(static_cast<std::uint32_t>(o.size()));
            for (simdjson::dom::key_value_pair kv : o) {
                pk.pack_str(static_cast<std::uint32_t>(kv.key.size())).pack_str_body(kv.key.data(), kv.key.size());
                pack(kv.value);
            }
            break;
        }
        case T::INT64: pk.pack_int64(e.get_int64().value_unsafe()); break;
        case T::UINT64: pk.pack_uint64(e.get_uint64().value_unsafe()); break;
        case T::DOUBLE: pack_js_double(pk, buf, e.get_double().value_unsafe()); break;
        case T::STRING: {
            const std::string_view s = e.get_string().value_unsafe();
            pk.pack_str(static_cast<std::uint32_t>(s.size())).pack_str_body(s.data(), s.size());
            break;
        }
        case T::BOOL: e.get_bool().value_unsafe() ? pk.pack_true() : pk.pack_false(); break;
        case T::NULL_VALUE: pk.pack_nil(); break;
        }
    }

    bool envelope(simdjson::dom::element root, std::string_view& type, std::string_view& data, std::string& err) {
        buf.clear();
        simdjson::dom::object o;
        if (root.get_object().get(o)) return err = "root is not an object", false;
        simdjson::dom::element t, d;
        bool has_t = false, has_d = false;
        for (simdjson::dom::key_value_pair kv : o) {  // the last of repeated keys wins
            if (kv.key == "type") t = kv.value, has_t = true;
            else if (kv.key == "data") d = kv.value, has_d = true;
        }
        if (!has_t || t.get_string().get(type) || type.empty()) return err = "type not a non-empty string", false;
        data = {};
        if (has_d) {
            pack(d);
            data = buf;
        }
        return true;
    }

private:
    Sink sink_{&buf};
};

struct SimdDom {
    static constexpr const char* name = "simdjson DOM, padded input";
    simdjson::dom::parser parser;
    SimdDomWalker w;
    bool decode(const Frame& f, std::string_view& type, std::string_view& data, std::string& err) {
        simdjson::dom::element root;
        if (auto e = parser.parse(f.padded).get(root)) return err = simdjson::error_message(e), false;
        return w.envelope(root, type, data, err);
    }
};

struct SimdDomCopy {
    static constexpr const char* name = "simdjson DOM, copy to padded buffer";
    simdjson::dom::parser parser;
    SimdDomWalker w;
    std::vector<char> padded;
    bool decode(const Frame& f, std::string_view& type, std::string_view& data, std::string& err) {
        if (padded.size() < f.text.size() + simdjson::SIMDJSON_PADDING) padded.resize(f.text.size() + simdjson::SIMDJSON_PADDING);
        std::memcpy(padded.data(), f.text.data(), f.text.size());
        simdjson::dom::element root;
        if (auto e = parser.parse(padded.data(), f.text.size(), false).get(root))
            return err = simdjson::error_message(e), false;
        return w.envelope(root, type, data, err);
    }
};

// ---------------------------------------------------------------------------------------------
// 3. simdjson On-Demand

struct SimdOnDemand {
    static constexpr const char* name = "simdjson On-Demand, padded input";
    simdjson::ondemand::parser parser;
    StreamWriter w;
    SimdOnDemand() { w.envelope = false; }

    simdjson::error_code walk(simdjson::ondemand::value v) {
        using J = simdjson::ondemand::json_type;
        J t;
        SIMDJSON_TRY(v.type().get(t));
        switch (t) {
        case J::array: {
            simdjson::ondemand::array a;
            SIMDJSON_TRY(v.get_array().get(a));
            w.start(0xDD);
            for (auto r : a) {
                simdjson::ondemand::value x;
                SIMDJSON_TRY(r.get(x));
                SIMDJSON_TRY(walk(x));
            }
            w.end();
            return simdjson::SUCCESS;
        }
        case J::object: {
            simdjson::ondemand::object o;
            SIMDJSON_TRY(v.get_object().get(o));
            w.start(0xDF);
            for (auto r : o) {
                simdjson::ondemand::field fld;
                SIMDJSON_TRY(std::move(r).get(fld));
                std::string_view k;
                SIMDJSON_TRY(fld.unescaped_key().get(k));
                w.key(k);
                SIMDJSON_TRY(walk(fld.value()));
            }
            w.end();
            return simdjson::SUCCESS;
        }
        case J::number: {
            simdjson::ondemand::number_type nt;
            SIMDJSON_TRY(v.get_number_type().get(nt));
            if (nt == simdjson::ondemand::number_type::signed_integer) {
                std::int64_t i;
                SIMDJSON_TRY(v.get_int64().get(i));
                w.pk.pack_int64(i);
            } else if (nt == simdjson::ondemand::number_type::unsigned_integer) {
                std::uint64_t u;
                SIMDJSON_TRY(v.get_uint64().get(u));
                w.pk.pack_uint64(u);
            } else {
                double d;
                SIMDJSON_TRY(v.get_double().get(d));
                pack_js_double(w.pk, w.buf, d);
            }
            w.scalar_done();
            return simdjson::SUCCESS;
        }
        case J::string: {
            std::string_view s;
            SIMDJSON_TRY(v.get_string().get(s));
            w.str(s);
            return simdjson::SUCCESS;
        }
        case J::boolean: {
            bool b;
            SIMDJSON_TRY(v.get_bool().get(b));
            b ? w.pk.pack_true() : w.pk.pack_false();
            w.scalar_done();
            return simdjson::SUCCESS;
        }
        case J::null: {
            bool n;
            SIMDJSON_TRY(v.is_null().get(n));
            if (!n) return simdjson::INCORRECT_TYPE;
            w.pk.pack_nil();
            w.scalar_done();
            return simdjson::SUCCESS;
        }
        }
        return simdjson::INCORRECT_TYPE;
    }

    simdjson::error_code run(const Frame& f, std::string_view& type, bool& has_type, Range& data) {
        simdjson::ondemand::document doc;
        SIMDJSON_TRY(parser.iterate(f.padded).get(doc));
        simdjson::ondemand::object o;
        SIMDJSON_TRY(doc.get_object().get(o));
        for (auto r : o) {
            simdjson::ondemand::field fld;
            SIMDJSON_TRY(std::move(r).get(fld));
            std::string_view k;
            SIMDJSON_TRY(fld.unescaped_key().get(k));
            if (k == "type") {
                simdjson::ondemand::json_type t;
                SIMDJSON_TRY(fld.value().type().get(t));
                has_type = t == simdjson::ondemand::json_type::string;
                if (has_type) SIMDJSON_TRY(fld.value().get_string().get(type));
            } else if (k == "data") {
                const std::size_t begin = w.buf.size();
                SIMDJSON_TRY(walk(fld.value()));
                data = Range{begin, w.buf.size(), true};
            }  // other members are skipped (On-Demand does not fully validate them)
        }
        // On-Demand 3.0 has no document::at_end(): a location left after the root means trailing content.
        const char* rest;
        if (!doc.current_location().get(rest)) return simdjson::TRAILING_CONTENT;
        return simdjson::SUCCESS;
    }

    bool decode(const Frame& f, std::string_view& type, std::string_view& data, std::string& err) {
        w.reset();
        bool has_type = false;
        Range d;
        if (auto e = run(f, type, has_type, d)) return err = simdjson::error_message(e), false;
        if (!has_type || type.empty()) return err = "type not a non-empty string", false;
        data = d.present ? std::string_view(w.buf.data() + d.begin, d.end - d.begin) : std::string_view();
        return true;
    }
};

// ---------------------------------------------------------------------------------------------
// 4. nlohmann::json SAX

#ifdef IPCXX_BENCH_HAVE_NLOHMANN
struct NlohmannSax {
    static constexpr const char* name = "nlohmann::json SAX";
    using json = nlohmann::json;

    struct Handler {
        StreamWriter w;
        std::string error;
        bool null() { w.pk.pack_nil(), w.scalar_done(); return true; }
        bool boolean(bool b) { b ? w.pk.pack_true() : w.pk.pack_false(), w.scalar_done(); return true; }
        bool number_integer(json::number_integer_t i) { w.pk.pack_int64(i), w.scalar_done(); return true; }
        bool number_unsigned(json::number_unsigned_t u) { w.pk.pack_uint64(u), w.scalar_done(); return true; }
        bool number_float(json::number_float_t d, const json::string_t&) {
            pack_js_double(w.pk, w.buf, d), w.scalar_done();
            return true;
        }
        bool string(json::string_t& s) { w.str(s); return true; }
        bool binary(json::binary_t&) { return false; }
        bool start_object(std::size_t) { w.start(0xDF); return true; }
        bool key(json::string_t& k) { w.key(k); return true; }
        bool end_object() { w.end(); return true; }
        bool start_array(std::size_t) { w.start(0xDD); return true; }
        bool end_array() { w.end(); return true; }
        bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) {
            error = ex.what();
            return false;
        }
    } h;

    bool decode(const Frame& f, std::string_view& type, std::string_view& data, std::string& err) {
        h.w.reset();
        if (!json::sax_parse(f.text.data(), f.text.data() + f.text.size(), &h)) return err = h.error, false;
        return h.w.finish(type, data, err);
    }
};
#endif

// ---------------------------------------------------------------------------------------------
// 5. RapidJSON DOM (baseline)

struct RapidDom {
    static constexpr const char* name = "RapidJSON DOM (baseline)";
    using Pool = rapidjson::MemoryPoolAllocator<>;
    using Doc = rapidjson::GenericDocument<rapidjson::UTF8<>, Pool, rapidjson::CrtAllocator>;
    std::vector<char> arena = std::vector<char>(1 << 20);  // so Clear() does not free chunks
    Pool pool{arena.data(), arena.size()};
    Doc doc{&pool};
    std::string buf;
    Sink sink{&buf};
    Packer pk{sink};

    void pack(const rapidjson::Value& v) {
        switch (v.GetType()) {
        case rapidjson::kNullType: pk.pack_nil(); break;
        case rapidjson::kFalseType: pk.pack_false(); break;
        case rapidjson::kTrueType: pk.pack_true(); break;
        case rapidjson::kObjectType:
            pk.pack_map(v.MemberCount());
            for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
                pk.pack_str(m->name.GetStringLength()).pack_str_body(m->name.GetString(), m->name.GetStringLength());
                pack(m->value);
            }
            break;
        case rapidjson::kArrayType:
            pk.pack_array(v.Size());
            for (auto& x : v.GetArray()) pack(x);
            break;
        case rapidjson::kStringType: pk.pack_str(v.GetStringLength()).pack_str_body(v.GetString(), v.GetStringLength()); break;
        case rapidjson::kNumberType:
            if (v.IsDouble()) pack_js_double(pk, buf, v.GetDouble());
            else if (v.IsUint64()) pk.pack_uint64(v.GetUint64());
            else pk.pack_int64(v.GetInt64());
            break;
        }
    }

    bool decode(const Frame& f, std::string_view& type, std::string_view& data, std::string& err) {
        // Same pre-checks as ipcxx: strict UTF-8 (RapidJSON does not validate by default), no NUL.
        if (ipcxx::detail::find_invalid_utf8(f.text.data(), f.text.size()) != f.text.size())
            return err = "invalid UTF-8", false;
        if (std::memchr(f.text.data(), 0, f.text.size())) return err = "NUL byte", false;
        doc.SetNull();
        pool.Clear();
        constexpr unsigned flags = rapidjson::kParseFullPrecisionFlag | rapidjson::kParseIterativeFlag;
        doc.Parse<flags>(f.text.data(), f.text.size());
        if (doc.HasParseError()) return err = rapidjson::GetParseError_En(doc.GetParseError()), false;
        if (!doc.IsObject()) return err = "root is not an object", false;
        const rapidjson::Value* t = nullptr;
        const rapidjson::Value* d = nullptr;
        for (auto m = doc.MemberBegin(); m != doc.MemberEnd(); ++m) {  // the last of repeated keys wins
            const std::string_view k(m->name.GetString(), m->name.GetStringLength());
            if (k == "type") t = &m->value;
            else if (k == "data") d = &m->value;
        }
        if (!t || !t->IsString() || t->GetStringLength() == 0) return err = "type not a non-empty string", false;
        type = std::string_view(t->GetString(), t->GetStringLength());
        buf.clear();
        data = {};
        if (d) {
            pack(*d);
            data = buf;
        }
        return true;
    }
};

// ---------------------------------------------------------------------------------------------
// Frames

std::string frame(std::string_view type, std::string_view data_json) {
    return "{\"type\":\"" + std::string(type) + "\",\"data\":" + std::string(data_json) + "}";
}

std::vector<Frame> make_frames() {
    std::vector<Frame> frames;
    // (a) node-ipc's benchmark frame: 100 bytes of JSON + the "\f" delimiter = 101 bytes on the wire.
    frames.emplace_back("a: node-ipc benchmark (64 B string)", frame("benchmark.frame", "\"" + std::string(64, 'a') + "\""));
    // (b) small object with non-ASCII text
    frames.emplace_back("b: small object", frame("obj", "{\"n\":1,\"s\":\"\xc3\xa9\xf0\x9f\x8c\x8d\",\"a\":[true,null]}"));
    // (c) ~1 KiB nested object, as JSON.stringify writes it
    {
        std::string d = "{\"id\":1048576,\"user\":{\"name\":\"Ada Lovelace\",\"email\":\"ada@example.org\",\"roles\":[\"admin\","
                        "\"dev\"],\"active\":true,\"score\":97.25},\"ts\":1718000000123,\"items\":[";
        for (int i = 0; i < 6; ++i) {
            if (i) d += ',';
            d += "{\"sku\":\"SKU-" + std::to_string(10000 + i * 37) + "\",\"qty\":" + std::to_string(i + 1) +
                 ",\"price\":" + std::to_string(i * 3 + 1) + "." + std::to_string(10 + i * 7) +
                 ",\"tags\":[\"red\",\"large\"],\"discount\":null,\"ratio\":0." + std::to_string(125 + i * 111) + "}";
        }
        d += "],\"geo\":{\"lat\":48.8566,\"lon\":2.3522,\"alt\":-12.5},\"note\":\"caf\xc3\xa9 na\xc3\xafve r\xc3\xa9sum\xc3\xa9"
             "\",\"flags\":[true,false,true,false],\"matrix\":[[1,2,3],[4,5,6],[7,8,9]],\"big\":9007199254740993,"
             "\"neg\":-42,\"tiny\":1e-7,\"path\":\"/var/run/app/ipc.sock\"}";
        frames.emplace_back("c: ~1 KiB nested object", frame("job.update", d));
    }
    // (d) 64 KiB string payload (base64-like text)
    {
        static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        std::string s(65536, ' ');
        for (std::size_t i = 0; i < s.size(); ++i) s[i] = alphabet[(i * 7 + i / 64) % 64];
        frames.emplace_back("d: 64 KiB string", frame("blob", "\"" + s + "\""));
    }
    // (e) many escapes: log/source text as JSON.stringify writes it (control chars, quotes, backslashes),
    //     plus \uXXXX escapes other producers write for non-ASCII.
    {
        std::string s;
        for (int i = 0; i < 24; ++i) {
            s += "\\u001b[32mline " + std::to_string(i) + "\\u001b[0m\\t\\\"C:\\\\temp\\\\file" + std::to_string(i) +
                 ".txt\\\" \\u00e9\\u00e8 \\ud83c\\udf0d\\r\\n";
        }
        frames.emplace_back("e: many escapes", frame("log", "\"" + s + "\""));
    }
    return frames;
}

// ---------------------------------------------------------------------------------------------
// Output comparison

std::string describe(const msgpack::object& o, int budget = 48) {
    std::ostringstream os;
    switch (o.type) {
    case msgpack::type::NIL: os << "null"; break;
    case msgpack::type::BOOLEAN: os << (o.via.boolean ? "true" : "false"); break;
    case msgpack::type::POSITIVE_INTEGER: os << "uint " << o.via.u64; break;
    case msgpack::type::NEGATIVE_INTEGER: os << "int " << o.via.i64; break;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: {
        char b[40];
        std::snprintf(b, sizeof b, "f64 %.17g", o.via.f64);
        os << b;
        break;
    }
    case msgpack::type::STR: {
        os << '"';
        for (std::uint32_t i = 0; i < o.via.str.size && i < static_cast<std::uint32_t>(budget); ++i) {
            const auto c = static_cast<unsigned char>(o.via.str.ptr[i]);
            if (c < 0x20 || c >= 0x7F || c == '\\' || c == '"' || c == '|') {
                char b[8];
                std::snprintf(b, sizeof b, "\\x%02X", c);
                os << b;
            } else {
                os << static_cast<char>(c);
            }
        }
        if (o.via.str.size > static_cast<std::uint32_t>(budget)) os << "...";
        os << '"';
        break;
    }
    case msgpack::type::ARRAY: {
        // Depth only for deep nesting.
        int depth = 0;
        const msgpack::object* p = &o;
        while (p->type == msgpack::type::ARRAY && p->via.array.size == 1) p = p->via.array.ptr, ++depth;
        if (depth > 3) {
            os << "accepted (" << depth + 1 << " nested arrays)";
            break;
        }
        os << '[';
        for (std::uint32_t i = 0; i < o.via.array.size; ++i) os << (i ? "," : "") << describe(o.via.array.ptr[i], budget);
        os << ']';
        break;
    }
    case msgpack::type::MAP:
        os << '{';
        for (std::uint32_t i = 0; i < o.via.map.size; ++i)
            os << (i ? "," : "") << describe(o.via.map.ptr[i].key, budget) << ":" << describe(o.via.map.ptr[i].val, budget);
        os << '}';
        break;
    default: os << "?"; break;
    }
    return os.str();
}

struct Outcome {
    bool ok = false;
    std::string type;
    bool has_data = false;
    msgpack::object_handle data;
    std::string error;
    std::string text() const {
        if (!ok) return "REJECT: " + error.substr(0, 60);
        return has_data ? describe(data.get()) : "(no data)";
    }
    bool same(const Outcome& o) const {
        if (ok != o.ok) return false;
        if (!ok) return true;
        if (type != o.type || has_data != o.has_data) return false;
        return !has_data || data.get() == o.data.get();
    }
};

template <class D>
Outcome run_once(D& d, const Frame& f) {
    Outcome o;
    std::string_view type, data;
    o.ok = d.decode(f, type, data, o.error);
    if (o.ok) {
        o.type = std::string(type);
        o.has_data = !data.empty();
        if (o.has_data) {
            try {
                o.data = msgpack::unpack(data.data(), data.size());
            } catch (const std::exception& e) {
                o.ok = false;
                o.error = std::string("bad msgpack output: ") + e.what();
            }
        }
    }
    return o;
}

// ---------------------------------------------------------------------------------------------
// Timing

using Clock = std::chrono::steady_clock;
volatile std::size_t g_sink;

template <class D>
double seconds_for(D& d, const Frame& f, std::size_t iters) {
    std::size_t acc = 0;
    std::string err;
    const auto t0 = Clock::now();
    for (std::size_t i = 0; i < iters; ++i) {
        std::string_view type, data;
        d.decode(f, type, data, err);
        acc += type.size() + data.size();
    }
    const auto t1 = Clock::now();
    g_sink = acc;
    return std::chrono::duration<double>(t1 - t0).count();
}

// Number of iterations that takes about `run_seconds`.
template <class D>
std::size_t calibrate(D& d, const Frame& f, double run_seconds) {
    std::size_t iters = 1;
    double t = seconds_for(d, f, iters);
    while (t < 0.02) {
        iters *= 4;
        t = seconds_for(d, f, iters);
    }
    return std::max<std::size_t>(1, static_cast<std::size_t>(static_cast<double>(iters) * run_seconds / t));
}

struct Decoders {
    Ipcxx ipcxx;
    RapidDom rapid;
    SimdDom simd_dom;
    SimdDomCopy simd_copy;
    SimdOnDemand simd_od;
#ifdef IPCXX_BENCH_HAVE_NLOHMANN
    NlohmannSax nlohmann;
#endif
    template <class F>
    void each(F&& fn) {
        fn(ipcxx);
        fn(simd_dom);
        fn(simd_copy);
        fn(simd_od);
#ifdef IPCXX_BENCH_HAVE_NLOHMANN
        fn(nlohmann);
#endif
        fn(rapid);
    }
};

// ---------------------------------------------------------------------------------------------
// Edge cases: what each library does with inputs where JSON libraries disagree.

std::vector<Frame> make_edge_cases() {
    std::vector<Frame> e;
    auto add = [&](std::string name, std::string text) { e.emplace_back(std::move(name), std::move(text)); };
    add("lone high surrogate \"\\ud800\"", frame("t", "\"\\ud800\""));
    add("lone low surrogate \"\\udc00\"", frame("t", "\"\\udc00\""));
    add("lone surrogate in type \"e\\ud800\"", "{\"type\":\"e\\ud800\",\"data\":1}");
    add("escaped pair \"\\ud83c\\udf0d\"", frame("t", "\"\\ud83c\\udf0d\""));
    add("\"\\u0000\" escape", frame("t", "\"a\\u0000b\""));
    add("invalid UTF-8 byte FF in string", frame("t", "\"a\xff\""));
    add("UTF-8-encoded surrogate ED A0 80", frame("t", "\"\xed\xa0\x80\""));
    add("overlong UTF-8 C0 AF", frame("t", "\"\xc0\xaf\""));
    add("raw NUL byte in string", frame("t", std::string("\"a\0b\"", 5)));
    add("raw tab in string", frame("t", "\"a\tb\""));
    add("0.30000000000000004", frame("t", "0.30000000000000004"));
    add("3.141592653589793238462643383279", frame("t", "3.141592653589793238462643383279"));
    add("2^53+1 literal 9007199254740993", frame("t", "9007199254740993"));
    add("2^63 = 9223372036854775808", frame("t", "9223372036854775808"));
    add("2^64-1 = 18446744073709551615", frame("t", "18446744073709551615"));
    add("2^64 = 18446744073709551616", frame("t", "18446744073709551616"));
    add("-2^63-1 = -9223372036854775809", frame("t", "-9223372036854775809"));
    add("JSON.stringify(2**64) = 18446744073709552000", frame("t", "18446744073709552000"));
    add("JSON.stringify(1e20) = 100000000000000000000", frame("t", "100000000000000000000"));
    add("1e400 (overflows double)", frame("t", "1e400"));
    add("1e-400 (underflows)", frame("t", "1e-400"));
    add("-0 and 1.0, 1e2", frame("t", "[-0,1.0,1e2]"));
    add("duplicate keys (last wins)", "{\"type\":\"a\",\"data\":1,\"data\":2,\"type\":\"b\"}");
    add("trailing content after root", "{\"type\":\"t\",\"data\":1} x");
    add("invalid number 01 in skipped member", "{\"type\":\"t\",\"x\":01,\"data\":1}");
    add("invalid literal tru in skipped member", "{\"type\":\"t\",\"x\":[tru],\"data\":1}");
    add("nesting 600 deep", frame("t", std::string(599, '[') + std::string(599, ']')));
    add("nesting 2000 deep", frame("t", std::string(1999, '[') + std::string(1999, ']')));
    return e;
}

void print_edge_cases(Decoders& decs) {
    const std::vector<Frame> cases = make_edge_cases();
    std::printf("\n## Edge cases (\"= ipcxx\": same result as ipcxx's decoder)\n\n| input (as \"data\") |");
    decs.each([&](auto& d) { std::printf(" %s |", d.name); });
    std::printf("\n|---|");
    decs.each([&](auto&) { std::printf("---|"); });
    std::printf("\n");
    for (const Frame& f : cases) {
        const Outcome ref = run_once(decs.ipcxx, f);
        std::printf("| %s |", f.name.c_str());
        decs.each([&](auto& d) {
            const Outcome o = run_once(d, f);
            if (&d == static_cast<void*>(&decs.ipcxx) || !o.same(ref)) {
                std::string t = o.text();
                std::replace(t.begin(), t.end(), '|', '/');
                std::replace(t.begin(), t.end(), '\n', ' ');
                std::printf(" %s |", t.c_str());
            } else {
                std::printf(" = ipcxx |");
            }
        });
        std::printf("\n");
    }
}

}  // namespace

int main(int argc, char** argv) {
    bool edge_only = false;
    double run_seconds = 0.3;
    int runs = 5;
    int pos = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--edge-cases") edge_only = true;
        else if (pos++ == 0) run_seconds = std::atof(argv[i]);
        else runs = std::atoi(argv[i]);
    }

    Decoders decs;
    std::printf("simdjson implementation: %s\n", simdjson::get_active_implementation()->name().c_str());
    print_edge_cases(decs);
    if (edge_only) return 0;

    const std::vector<Frame> frames = make_frames();

    // Correctness guard: every adapter must give ipcxx's output for every benchmark frame.
    bool all_same = true;
    for (const Frame& f : frames) {
        const Outcome ref = run_once(decs.ipcxx, f);
        if (!ref.ok) {
            std::fprintf(stderr, "ipcxx rejects frame %s: %s\n", f.name.c_str(), ref.error.c_str());
            return 1;
        }
        decs.each([&](auto& d) {
            const Outcome o = run_once(d, f);
            if (!o.same(ref)) {
                all_same = false;
                std::fprintf(stderr, "MISMATCH %s on %s:\n  ipcxx: %s\n  got:   %s\n", d.name, f.name.c_str(),
                             ref.text().c_str(), o.text().c_str());
            }
        });
    }
    if (!all_same) return 1;
    std::printf("\nCorrectness guard: all decoders give ipcxx's type and msgpack data (as msgpack::object) "
                "for all %zu frames.\n",
                frames.size());

    std::printf("\n## Throughput (median of %d runs of ~%.2f s; MB = 10^6 bytes of JSON frame text)\n\n", runs,
                run_seconds);
    std::printf("| frame | bytes | decoder | frames/s | MB/s | vs ipcxx |\n|---|---:|---|---:|---:|---:|\n");
    // Runs are interleaved (run r of every decoder before run r+1 of any), so that a noisy
    // neighbour on a shared machine disturbs all decoders alike; the median of each is reported.
    for (const Frame& f : frames) {
        std::vector<std::size_t> iters;
        decs.each([&](auto& d) { iters.push_back(calibrate(d, f, run_seconds)); });
        std::vector<std::vector<double>> per(iters.size());
        for (int r = 0; r < runs; ++r) {
            std::size_t i = 0;
            decs.each([&](auto& d) {
                per[i].push_back(seconds_for(d, f, iters[i]) / static_cast<double>(iters[i]));
                ++i;
            });
        }
        std::vector<double> median;
        for (auto& v : per) {
            std::sort(v.begin(), v.end());
            median.push_back(v[v.size() / 2]);
        }
        std::size_t i = 0;
        decs.each([&](auto& d) {
            const double t = median[i++];
            std::printf("| %s | %zu | %s | %.0f | %.1f | %.2fx |\n", f.name.c_str(), f.text.size(), d.name, 1.0 / t,
                        static_cast<double>(f.text.size()) / t / 1e6, median[0] / t);
        });
        std::fflush(stdout);
    }
    return 0;
}
