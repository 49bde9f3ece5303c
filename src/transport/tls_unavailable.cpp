// The TLS interface of transport/tls.hpp in a build without OpenSSL (IPCXX_WITH_TLS=OFF): no
// context can be made, so no handshake ever starts, and every TLS entry point reports
// errc::tls_unavailable through make_tls_context.
#include "transport/tls.hpp"

#include "ipcxx/error.hpp"

namespace ipcxx {

bool tls_available() noexcept { return false; }

namespace detail {

std::error_code make_tls_context(const TlsConfig&, TlsRole, std::shared_ptr<TlsContext>& out, std::string& detail) {
    out.reset();
    detail = "ipcxx was built without TLS (IPCXX_WITH_TLS=OFF or no OpenSSL): tls.enabled cannot be served or used";
    return make_error_code(errc::tls_unavailable);
}

std::shared_ptr<TlsHandshake> make_tls_handshake(GenericSocket, std::shared_ptr<TlsContext>, TlsRole) { return {}; }

}  // namespace detail
}  // namespace ipcxx
