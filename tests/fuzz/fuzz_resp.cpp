// libFuzzer target: the RESP2 decoder (codec/resp_decode.hpp).
//
// The first input byte picks the read size; the rest is the stream. Invariants: the decoder never
// crashes or loops; the replies do not depend on how the stream is chunked; and hiredis 0.14.1's
// reader, fed the same bytes, agrees (tests/redis/resp_oracle.hpp states the rule: every reply
// ipcxx returns, hiredis returns the same; where hiredis refuses, ipcxx refuses too).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.hpp"
#include "redis/resp_oracle.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t chunk = 1 + data[0] % 64;
    const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);

    const test::Decoded whole = test::decode_with_ipcxx(stream, stream.size() + 1);
    const test::Decoded pieces = test::decode_with_ipcxx(stream, chunk);
    fuzz::check(whole.failed == pieces.failed, "chunking changed whether the stream is RESP", stream);
    fuzz::check(whole.replies.size() == pieces.replies.size(), "chunking changed the number of replies", stream);
    for (std::size_t i = 0; i < whole.replies.size(); ++i) {
        fuzz::check(test::same_reply(whole.replies[i], pieces.replies[i]), "chunking changed a reply", stream);
    }
    const std::string disagreement = test::disagreement(stream, chunk);
    if (!disagreement.empty()) fuzz::fail(disagreement.c_str(), stream);
    return 0;
}
