#include "codec/resp_encode.hpp"

#include <charconv>
#include <cstring>

namespace ipcxx::detail {
namespace resp_encode_parts {

constexpr std::size_t max_header = 1 + 20 + 2;  // a type byte, a 64-bit count, CRLF

char* header(char* at, char type, std::size_t count) {
    *at++ = type;
    at = std::to_chars(at, at + 20, count).ptr;
    *at++ = '\r';
    *at++ = '\n';
    return at;
}

// Sized once and written in place: every command of every client goes through here.
template <class Args>
void append(const Args& args, std::string& out) {
    std::size_t most = max_header;
    for (const auto& arg : args) most += max_header + arg.size() + 2;
    const std::size_t start = out.size();
    out.resize(start + most);
    char* at = header(out.data() + start, '*', args.size());
    for (const auto& arg : args) {
        at = header(at, '$', arg.size());
        if (!arg.empty()) std::memcpy(at, arg.data(), arg.size());
        at += arg.size();
        *at++ = '\r';
        *at++ = '\n';
    }
    out.resize(static_cast<std::size_t>(at - out.data()));
}

}  // namespace resp_encode_parts

void append_resp_command(const std::vector<std::string>& args, std::string& out) {
    resp_encode_parts::append(args, out);
}

void append_resp_command(const std::vector<std::string_view>& args, std::string& out) {
    resp_encode_parts::append(args, out);
}

}  // namespace ipcxx::detail
