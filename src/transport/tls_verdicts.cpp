// Which of our TLS errors are verdicts on a certificate; the same in a build with or without TLS.
#include "transport/tls.hpp"

#include "ipcxx/error.hpp"

namespace ipcxx::detail {

bool is_certificate_error(std::error_code ec) noexcept {
    return ec == errc::tls_certificate_expired || ec == errc::tls_host_name_mismatch || ec == errc::tls_unknown_ca ||
           ec == errc::tls_client_certificate_required || ec == errc::tls_certificate_rejected;
}

}  // namespace ipcxx::detail
