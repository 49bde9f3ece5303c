#include "codec/resp_encode.hpp"

namespace ipcxx::detail {
namespace resp_encode_parts {

template <class Args>
void append(const Args& args, std::string& out) {
    std::size_t size = 16;
    for (const auto& arg : args) size += arg.size() + 24;
    out.reserve(out.size() + size);
    out += '*';
    out += std::to_string(args.size());
    out += "\r\n";
    for (const auto& arg : args) {
        out += '$';
        out += std::to_string(arg.size());
        out += "\r\n";
        out.append(arg.data(), arg.size());
        out += "\r\n";
    }
}

}  // namespace resp_encode_parts

void append_resp_command(const std::vector<std::string>& args, std::string& out) {
    resp_encode_parts::append(args, out);
}

void append_resp_command(const std::vector<std::string_view>& args, std::string& out) {
    resp_encode_parts::append(args, out);
}

}  // namespace ipcxx::detail
