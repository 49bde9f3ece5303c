// The names config.encoding accepts (node-ipc's Buffer encodings) and the encoding each one names.
// Configuration knowledge, below every layer: Config::validate checks a name here, and the text
// codec (codec/text_encoding.hpp) encodes by the encoding it names.
#pragma once

#include <string_view>

namespace ipcxx::detail {

enum class Encoding { unknown, utf8, hex, base64, latin1, ascii, utf16le };

inline Encoding encoding_named(std::string_view name) noexcept {
    if (name == "utf8" || name == "utf-8") return Encoding::utf8;
    if (name == "hex") return Encoding::hex;
    if (name == "base64" || name == "base64url") return Encoding::base64;
    if (name == "latin1" || name == "binary") return Encoding::latin1;
    if (name == "ascii") return Encoding::ascii;
    if (name == "utf16le" || name == "utf-16le" || name == "ucs2" || name == "ucs-2") return Encoding::utf16le;
    return Encoding::unknown;
}

// utf8 (utf-8), hex, base64, base64url, latin1 (binary), ascii, utf16le (ucs2, ucs-2, utf-16le).
inline bool is_known_encoding(std::string_view name) noexcept { return encoding_named(name) != Encoding::unknown; }

}  // namespace ipcxx::detail
