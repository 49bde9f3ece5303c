// Reads the golden-vector files of protocol/vectors: records of `key: value` lines separated by
// blank lines, `#` lines are comments.
#pragma once

#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace test {

using VectorRecord = std::map<std::string, std::string>;

inline std::vector<VectorRecord> load_vector_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::vector<VectorRecord> records;
    VectorRecord cur;
    std::string line;
    auto flush = [&] {
        if (!cur.empty()) records.push_back(cur);
        cur.clear();
    };
    while (std::getline(in, line)) {
        if (line.empty()) {
            flush();
        } else if (line[0] != '#') {
            const auto colon = line.find(':');
            if (colon == std::string::npos) throw std::runtime_error("no key in line: " + line);
            // "key: value", or "key:" for an empty value
            cur[line.substr(0, colon)] = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
        }
    }
    flush();
    return records;
}

inline std::string from_hex(const std::string& hex) {
    if (hex.size() % 2 != 0) throw std::runtime_error("odd hex length: " + hex);
    std::string out;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    return out;
}

}  // namespace test
