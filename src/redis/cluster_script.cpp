#include "redis/cluster_script.hpp"

#include <cctype>

namespace ipcxx::detail {

std::string cluster_script_variant(std::string_view text, std::size_t keys_kept) {
    if (text.find("ARGV") != std::string_view::npos) return {};
    constexpr std::string_view keys = "KEYS[";
    std::string out;
    bool moved = false;
    std::size_t at = 0;
    while (at < text.size()) {
        const auto found = text.find(keys, at);
        if (found == std::string_view::npos) break;
        std::size_t digits = found + keys.size();
        std::size_t index = 0;
        while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
            index = index * 10 + static_cast<std::size_t>(text[digits] - '0');
            ++digits;
        }
        const bool indexed = digits > found + keys.size() && digits < text.size() && text[digits] == ']';
        out.append(text.substr(at, found - at));
        if (indexed && index > keys_kept) {
            out += "ARGV[" + std::to_string(index - keys_kept) + "]";
            moved = true;
        } else {
            out.append(text.substr(found, digits - found));
            if (indexed) out += ']';
        }
        at = indexed ? digits + 1 : digits;
    }
    if (!moved) return {};
    out.append(text.substr(at));
    return out;
}

void move_keys_to_args(std::vector<std::string>& keys, std::vector<std::string>& args, std::size_t keys_kept) {
    if (keys.size() <= keys_kept) return;
    args.insert(args.begin(), keys.begin() + static_cast<std::ptrdiff_t>(keys_kept), keys.end());
    keys.resize(keys_kept);
}

}  // namespace ipcxx::detail
