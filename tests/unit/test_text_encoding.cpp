// node-ipc's `encoding` for raw text writes: Buffer.from(text, encoding), strict where Node guesses.
#include <catch2/catch.hpp>

#include "codec/text_encoding.hpp"
#include "ipcxx/error.hpp"

using ipcxx::detail::encode_text;
using ipcxx::detail::is_known_encoding;

namespace {

std::string encoded(std::string_view text, std::string_view encoding) {
    std::string out;
    std::string detail;
    const auto ec = encode_text(text, encoding, out, detail);
    INFO(detail);
    REQUIRE_FALSE(ec);
    return out;
}

std::error_code refused(std::string_view text, std::string_view encoding) {
    std::string out = "kept";
    std::string detail;
    const auto ec = encode_text(text, encoding, out, detail);
    CHECK(out == "kept");
    CHECK_FALSE(detail.empty());
    return ec;
}

}  // namespace

TEST_CASE("text encodings give Buffer.from's bytes", "[encoding]") {
    CHECK(encoded("caf\xC3\xA9", "utf8") == "caf\xC3\xA9");
    CHECK(encoded("00fF7f", "hex") == std::string("\x00\xFF\x7F", 3));
    CHECK(encoded("AP9/gA==", "base64") == std::string("\x00\xFF\x7F\x80", 4));
    CHECK(encoded("AP9_gA", "base64url") == std::string("\x00\xFF\x7F\x80", 4));
    CHECK(encoded("caf\xC3\xA9", "latin1") == "caf\xE9");
    CHECK(encoded("abc", "ascii") == "abc");
    CHECK(encoded("a\xF0\x9F\x8C\x8D", "utf16le") == std::string("a\x00\x3C\xD8\x0D\xDF", 6));
    CHECK(encoded("", "hex").empty());
}

TEST_CASE("text an encoding cannot express is refused", "[encoding]") {
    CHECK(refused("abc", "hex") == ipcxx::errc::invalid_argument);
    CHECK(refused("zz", "hex") == ipcxx::errc::invalid_argument);
    CHECK(refused("A", "base64") == ipcxx::errc::invalid_argument);
    CHECK(refused("A*==", "base64") == ipcxx::errc::invalid_argument);
    CHECK(refused("\xE2\x82\xAC", "latin1") == ipcxx::errc::invalid_argument);
    CHECK(refused("\xC3\xA9", "ascii") == ipcxx::errc::invalid_argument);
    CHECK(refused("\xFF", "utf8") == ipcxx::errc::invalid_utf8);
    CHECK(refused("\xFF", "latin1") == ipcxx::errc::invalid_utf8);
    CHECK(refused("x", "ebcdic") == ipcxx::errc::invalid_argument);
}

TEST_CASE("known encodings are node-ipc's names", "[encoding]") {
    for (const char* name : {"utf8", "utf-8", "hex", "base64", "base64url", "latin1", "binary", "ascii", "utf16le",
                             "ucs2", "ucs-2", "utf-16le"}) {
        CHECK(is_known_encoding(name));
    }
    CHECK_FALSE(is_known_encoding("UTF8 "));
    CHECK_FALSE(is_known_encoding(""));
}
