// Inputs found by the fuzz targets (tests/fuzz, scripts/fuzz.sh), run through the code path that
// failed.
#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "codec/frame_reader.hpp"
#include "codec/json_wire.hpp"
#include "ipcxx/error.hpp"

using ipcxx::detail::DecodedFrame;
using ipcxx::detail::JsonFrameDecoder;

namespace {

std::string hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 0xF]);
    }
    return out;
}

// msgpack float64, in hex.
std::string float64_hex(double d) {
    std::uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    std::string bytes;
    for (int shift = 56; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>(bits >> shift));
    return "cb" + hex(bytes);
}

// The data of the frame {"type":"n","data":<number>}, as msgpack in hex.
std::string decode_number(const std::string& number) {
    JsonFrameDecoder decoder;
    DecodedFrame frame;
    const std::error_code ec = decoder.decode("{\"type\":\"n\",\"data\":" + number + "}", frame);
    INFO(decoder.error_detail());
    REQUIRE_FALSE(ec);
    return hex(frame.data);
}

// How `body` ends in a child process: "true", "false" or the signal that killed it, so that a
// crash fails one check instead of ending the run.
template <class F>
std::string run_in_child(F body) {
    const pid_t pid = fork();
    if (pid == 0) {
        // Die of the signal itself: no core file, and not Catch's handlers (they would report
        // the child's run as if it were the parent's).
        const rlimit no_core{0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) std::signal(sig, SIG_DFL);
        _exit(body() ? 0 : 1);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid) return "fork failed";
    if (WIFSIGNALED(status)) return std::string("killed by ") + strsignal(WTERMSIG(status));
    return WEXITSTATUS(status) == 0 ? "true" : "false";
}

}  // namespace

// RapidJSON 1.1.0's full-precision number parsing (kParseFullPrecisionFlag, json_sax.cpp) calls
// DiyFp::Normalize() with 0 when the digits are all zeros and the fast path does not apply
// (__builtin_clzll(0) is undefined: UBSan's report in fuzz_handshake), so the value comes out as
// garbage (Tencent/rapidjson#1249, #1441; fixed upstream after 1.1.0, not in Debian's package).
TEST_CASE("fuzz: a zero written with more than 22 decimals or an exponent decodes to 0", "[fuzz][json]") {
    CHECK(decode_number("0.00000000000000000000000") == "00");  // 23 zeros
    CHECK(decode_number("-0.00000000000000000000000") == "00");
    CHECK(decode_number("0e100") == "00");
    CHECK(decode_number("0.0e-30") == "00");
}

TEST_CASE("fuzz: the minimized input of fuzz_handshake's crash is invalid JSON", "[fuzz][json]") {
    // "0." 23 zeros "r": the number is parsed (undefined behaviour above) before "r" is refused.
    const std::string input = "0." + std::string(23, '0') + "r";
    std::string out;
    CHECK(ipcxx::detail::json_to_msgpack(input, out) == make_error_code(ipcxx::errc::invalid_json));
    CHECK(out.empty());
}

// With 349 zeros or more the decimal exponent goes below -348 and GetCachedPower10 indexes its
// table with about 2^29: a read far out of bounds, SIGSEGV in the I/O thread, from any peer on the
// JSON wire.
TEST_CASE("fuzz: a zero with 400 decimals does not crash the decoder", "[fuzz][json]") {
    CHECK(run_in_child([] {
        JsonFrameDecoder decoder;
        DecodedFrame frame;
        const std::string text = "{\"type\":\"n\",\"data\":0." + std::string(400, '0') + "}";
        return !decoder.decode(text, frame) && frame.data == std::string(1, '\0');
    }) == "true");
}

// The same code path rounds some non-zero numbers wrongly (OSS-Fuzz's find, Tencent/rapidjson#2326):
// a case for the fix of the above, which must not special-case zeros only.
TEST_CASE("fuzz: 0.184467440737095516159 decodes to the nearest double", "[fuzz][json]") {
    CHECK(decode_number("0.184467440737095516159") == float64_hex(0.184467440737095516159));
}

// Also in that code path: a literal above the largest double with an exponent up to 308 reads as NaN
// with a payload (Tencent/rapidjson#1253) or as garbage (9e308: a tiny negative double), which no JSON
// text denotes; re-encoded it becomes null. 1e309 and above are refused as invalid_json; these
// should be too.
TEST_CASE("fuzz: a number just beyond the double range is refused like 1e309", "[fuzz][json]") {
    // 9e308 and 1.7978136439623157e+308: fuzz_json_frames' find, minimized and as found.
    for (const std::string number : {"1e309", "9e308", "1.7978136439623157e+308", "-1.79769313486232e+308"}) {
        JsonFrameDecoder decoder;
        DecodedFrame frame;
        const std::error_code ec = decoder.decode("{\"type\":\"n\",\"data\":" + number + "}", frame);
        INFO(number << " decoded to " << hex(frame.data));
        CHECK(ec == make_error_code(ipcxx::errc::invalid_json));
    }
}

TEST_CASE("fuzz regression: a native header announcing 3 GB takes no 3 GB before the bytes come", "[fuzz]") {
    // fuzz_json_frames, out of memory: a run of 0xc1 bytes read as a native header (magic, then
    // length 0xc1c1c1c1) with no frame limit; the reader allocated the announced length at once.
    ipcxx::detail::FrameReader reader("\f", 0);
    const std::string input = std::string(110, '\xc1') + "{ t\"}\x89";
    const auto span = reader.prepare(input.size());
    input.copy(span.data, input.size());
    reader.commit(input.size());
    ipcxx::detail::Frame frame;
    std::error_code ec;
    CHECK_FALSE(reader.next_frame(frame, ec));
    CHECK_FALSE(ec);
    CHECK(reader.large_frame_buffer().capacity() <= ipcxx::detail::FrameReader::large_frame_initial);
    CHECK(reader.partial_size() == input.size());
}
