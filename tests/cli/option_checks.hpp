// What the option-parser tests share: a command line that must parse, one that must be refused
// with a one-line error.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "options.hpp"

namespace cli_test {

inline ipcxx_cli::Options run(std::vector<std::string> args) {
    const ipcxx_cli::ParseResult result = ipcxx_cli::parse_options(args);
    INFO(result.error);
    REQUIRE(result.action == ipcxx_cli::ParseResult::Action::run);
    return result.options;
}

inline std::string error_of(std::vector<std::string> args) {
    const ipcxx_cli::ParseResult result = ipcxx_cli::parse_options(args);
    REQUIRE(result.action == ipcxx_cli::ParseResult::Action::error);
    CHECK(result.error.find('\n') == std::string::npos);
    return result.error;
}

inline bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

}  // namespace cli_test
