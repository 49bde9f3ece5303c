// The RESP2 codec, socket-free: encoding, decoding in every chunking, limits, bytes that are not
// RESP, and the same inputs through hiredis's reader (redis/resp_oracle.hpp).
#include <catch2/catch.hpp>

#include "codec/resp_decode.hpp"
#include "codec/resp_encode.hpp"
#include "ipcxx/error.hpp"
#include "redis/resp_oracle.hpp"

namespace resp_codec_tests {

using ipcxx::RedisReply;
using ipcxx::detail::RespDecoder;
using ipcxx::detail::RespLimits;

struct Failure {
    std::error_code ec;
    std::string detail;
};

std::vector<RedisReply> decode_all(std::string_view bytes, std::size_t chunk, Failure* failure = nullptr,
                                   RespLimits limits = {}) {
    RespDecoder decoder(limits);
    std::vector<RedisReply> replies;
    for (std::size_t at = 0; at < bytes.size(); at += chunk) {
        decoder.feed(bytes.substr(at, std::min(chunk, bytes.size() - at)));
        RedisReply reply;
        std::error_code ec;
        std::string detail;
        while (decoder.next(reply, ec, detail)) replies.push_back(std::move(reply));
        if (ec) {
            if (failure) *failure = {ec, detail};
            return replies;
        }
    }
    return replies;
}

TEST_CASE("commands are encoded as arrays of bulk strings, binary-safe", "[resp]") {
    std::string out;
    ipcxx::detail::append_resp_command(std::vector<std::string>{"SET", "k", std::string("a\0\r\n", 4), ""}, out);
    static const char expected[] = "*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\na\0\r\n\r\n$0\r\n\r\n";
    CHECK(out == std::string(expected, sizeof expected - 1));
}

TEST_CASE("every reply type decodes, in any chunking", "[resp]") {
    static const char raw[] = "+OK\r\n-ERR bad thing\r\n:-42\r\n:9223372036854775807\r\n$5\r\na\0\r\nb\r\n$0\r\n\r\n"
                              "$-1\r\n*-1\r\n*0\r\n*3\r\n:1\r\n*2\r\n+x\r\n$1\r\ny\r\n$-1\r\n";
    const std::string stream(raw, sizeof raw - 1);
    for (std::size_t chunk : {1, 2, 3, 7, 64, 4096}) {
        INFO("chunk " << chunk);
        const auto replies = decode_all(stream, chunk);
        REQUIRE(replies.size() == 10);
        CHECK(replies[0].kind == RedisReply::Kind::status);
        CHECK(replies[0].text == "OK");
        CHECK(replies[1].kind == RedisReply::Kind::error);
        CHECK(replies[1].text == "ERR bad thing");
        CHECK(replies[2].integer == -42);
        CHECK(replies[3].integer == 9223372036854775807LL);
        CHECK(replies[4].text == std::string("a\0\r\nb", 5));
        CHECK(replies[5].kind == RedisReply::Kind::bulk);
        CHECK(replies[5].text.empty());
        CHECK(replies[6].is_nil());
        CHECK(replies[7].is_nil());
        CHECK(replies[8].kind == RedisReply::Kind::array);
        CHECK(replies[8].elements.empty());
        REQUIRE(replies[9].elements.size() == 3);
        CHECK(replies[9].elements[1].elements[1].text == "y");
        CHECK(replies[9].elements[2].is_nil());
    }
}

TEST_CASE("bytes that are not RESP name the byte and its offset", "[resp]") {
    Failure failure;
    decode_all("+OK\r\n%2\r\n", 3, &failure);
    CHECK(failure.ec == ipcxx::errc::redis_protocol_error);
    CHECK(failure.detail.find("0x25 ('%')") != std::string::npos);
    CHECK(failure.detail.find("offset 5") != std::string::npos);

    struct Case {
        std::string bytes;
        std::string says;
    };
    for (const Case& bad : std::vector<Case>{
             {":12x\r\n", "not followed by an integer"},
             {":\r\n", "not followed by an integer"},
             {":99999999999999999999\r\n", "not followed by an integer"},
             {"$-2\r\n", "out of range"},
             {"*-7\r\n", "out of range"},
             {"$3\r\nabcd\r\n", "ends with CRLF"},
             {std::string("\0", 1), "0x00"},
         }) {
        INFO(bad.bytes);
        Failure f;
        decode_all(bad.bytes, 1, &f);
        CHECK(f.ec == ipcxx::errc::redis_protocol_error);
        CHECK(f.detail.find(bad.says) != std::string::npos);
    }
}

TEST_CASE("the decoder's limits: bulk length, array length, nesting depth, line length", "[resp]") {
    RespLimits limits;
    limits.max_bulk = 10;
    limits.max_array = 3;
    limits.max_depth = 2;
    limits.max_line = 16;
    Failure f;
    decode_all("$11\r\n", 64, &f, limits);
    CHECK(f.detail.find("bulk length 11") != std::string::npos);
    f = {};
    CHECK(decode_all("$10\r\n0123456789\r\n", 64, &f, limits).size() == 1);
    CHECK_FALSE(f.ec);
    decode_all("*4\r\n", 64, &f, limits);
    CHECK(f.detail.find("array length 4") != std::string::npos);
    f = {};
    CHECK(decode_all("*1\r\n*1\r\n:1\r\n", 64, &f, limits).size() == 1);
    decode_all("*1\r\n*1\r\n*1\r\n:1\r\n", 64, &f, limits);
    CHECK(f.detail.find("nested more than 2") != std::string::npos);
    f = {};
    decode_all("+" + std::string(40, 'a'), 5, &f, limits);  // no CRLF yet, already too long
    CHECK(f.detail.find("a line of more than 16") != std::string::npos);
}

TEST_CASE("a declared array length reserves nothing up front", "[resp]") {
    RespDecoder decoder;
    decoder.feed("*16000000\r\n:1\r\n");
    RedisReply reply;
    std::error_code ec;
    std::string detail;
    CHECK_FALSE(decoder.next(reply, ec, detail));
    CHECK_FALSE(ec);
    CHECK(decoder.buffered() == 0);
}

TEST_CASE("after a failure the decoder stays failed; reset starts a new stream", "[resp]") {
    RespDecoder decoder;
    decoder.feed("?\r\n");
    RedisReply reply;
    std::error_code ec;
    std::string detail;
    CHECK_FALSE(decoder.next(reply, ec, detail));
    CHECK(ec == ipcxx::errc::redis_protocol_error);
    decoder.feed("+OK\r\n");
    CHECK_FALSE(decoder.next(reply, ec, detail));
    CHECK(ec == ipcxx::errc::redis_protocol_error);
    decoder.reset();
    decoder.feed("+OK\r\n");
    CHECK(decoder.next(reply, ec, detail));
    CHECK(reply.text == "OK");
}

TEST_CASE("hiredis's reader agrees on a fixed set of inputs", "[resp][hiredis]") {
    const std::vector<std::string> inputs{
        "+OK\r\n",
        "-ERR wrong\r\n+PONG\r\n",
        ":0\r\n:-1\r\n:123456789012\r\n",
        std::string("$6\r\na\0b\r\nc\r\n", 12),
        "$0\r\n\r\n$-1\r\n",
        "*-1\r\n*0\r\n",
        "*3\r\n$7\r\nmessage\r\n$2\r\nev\r\n$5\r\nhello\r\n",
        "*2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$3\r\njob\r\n$1\r\n1\r\n*0\r\n",
        "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:7\r\n",  // depth 7: hiredis's limit, still read
        "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:8\r\n",  // depth 8: hiredis refuses, ipcxx reads
        "%2\r\n",
        "*2\r\n:1\r\n",  // incomplete
        ":12x\r\n",      // hiredis takes it, ipcxx does not
        "$3\r\nabcd\r\n",
    };
    for (const auto& input : inputs) {
        for (std::size_t chunk : {1, 2, 5, 1024}) {
            INFO("input " << input << " chunk " << chunk);
            CHECK(test::disagreement(input, chunk).empty());
        }
    }
    // And the oracle sees a difference when there is one: a decoder that returned another value
    // would be caught by the comparison.
    const auto ours = test::decode_with_ipcxx("*1\r\n:5\r\n", 1);
    auto changed = ours.replies;
    changed[0].elements[0].integer = 6;
    CHECK_FALSE(test::same_reply(changed[0], test::decode_with_hiredis("*1\r\n:5\r\n", 1).replies[0]));
    // Depth 7 is read by both alike.
    CHECK(test::decode_with_hiredis(inputs[8], 3).replies.size() == 1);
    CHECK(test::decode_with_ipcxx(inputs[8], 3).replies.size() == 1);
}

}  // namespace resp_codec_tests
