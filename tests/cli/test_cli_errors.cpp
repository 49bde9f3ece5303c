// Error codes as the tool names them (tools/ipcxx/error_names.cpp).

#include "error_names.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <set>
#include <string>

#include <ipcxx/error.hpp>

using ipcxx_cli::error_name;

TEST_CASE("cli errors: ipcxx codes by their errc name", "[cli]") {
    using ipcxx::errc;
    CHECK(error_name(errc::invalid_json) == "invalid_json");
    CHECK(error_name(errc::request_timeout) == "request_timeout");
    CHECK(error_name(errc::tls_certificate_expired) == "tls_certificate_expired");
    CHECK(error_name(errc::tls_host_name_mismatch) == "tls_host_name_mismatch");
    CHECK(error_name(errc::tls_unknown_ca) == "tls_unknown_ca");
    CHECK(error_name(errc::tls_client_certificate_required) == "tls_client_certificate_required");
    CHECK(error_name(errc::heartbeat_timeout) == "heartbeat_timeout");
    CHECK(error_name(errc::no_reply) == "no_reply");
    CHECK(error_name(errc::already_answered) == "already_answered");
    CHECK(error_name(errc::would_deadlock) == "would_deadlock");
    CHECK(error_name(errc::no_worker) == "no_worker");
    CHECK(error_name(errc::tls_unavailable) == "tls_unavailable");
    // Every code has a name of its own (errc::subscriber_too_slow is the last).
    std::set<std::string> names;
    for (int value = static_cast<int>(errc::invalid_json); value <= static_cast<int>(errc::subscriber_too_slow); ++value) {
        const std::string name = error_name(make_error_code(static_cast<errc>(value)));
        INFO(value);
        CHECK(name.find(':') == std::string::npos);
        CHECK(names.insert(name).second);
    }
    CHECK(error_name(make_error_code(static_cast<errc>(999))) == "ipcxx:999");
}

TEST_CASE("cli errors: system codes by their errno name", "[cli]") {
    CHECK(error_name(std::error_code(ECONNREFUSED, std::system_category())) == "ECONNREFUSED");
    CHECK(error_name(std::make_error_code(std::errc::no_such_file_or_directory)) == "ENOENT");
    CHECK(error_name(std::error_code(123456, std::system_category())) == "system:123456");
}

TEST_CASE("cli errors: printed as name, then message", "[cli]") {
    CHECK(ipcxx_cli::error_text(ipcxx::errc::undelivered, "3 message(s) not delivered") ==
          "undelivered: 3 message(s) not delivered");
}
