// TLS over TCP, as an interface free of OpenSSL: transport/tls.cpp implements it with Asio's SSL
// support, transport/tls_unavailable.cpp (a build with IPCXX_WITH_TLS=OFF) refuses it with
// errc::tls_unavailable. After its handshake a TLS link is one more ByteStream kind under Stream.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "ipcxx/config.hpp"
#include "ipcxx/peer.hpp"
#include "transport/endpoint.hpp"
#include "transport/stream.hpp"

namespace ipcxx::detail {

class TlsContext;  // defined by the implementation only

enum class TlsRole { client, server };

// A context with TLS 1.2 at least, this side's certificate and key (required for a server), the
// trusted CAs (ca_file, else the system's store) and the verification the config asks for.
// errc::tls_configuration naming the file or setting on failure; errc::tls_unavailable in a
// build without TLS.
std::error_code make_tls_context(const TlsConfig& tls, TlsRole role, std::shared_ptr<TlsContext>& out,
                                 std::string& detail);

// What a completed handshake yields: the encrypted stream and the verified peer certificate's
// identity, if the peer presented one.
struct TlsLink {
    Stream stream;
    std::optional<CertificateIdentity> peer_certificate;
};
// `ec` as tls_error below; `link` is set only without an error.
using TlsHandshakeDone = std::function<void(std::error_code ec, std::string detail, std::optional<TlsLink> link)>;

// One handshake over an accepted or connected socket.
class TlsHandshake {
public:
    virtual ~TlsHandshake() = default;
    // Client side, before start(): SNI, and the name the server's certificate must carry
    // (tls.server_name, else `host`; an IP address is matched against the certificate's IP entries).
    virtual std::error_code expect_server_name(const TlsConfig& tls, const std::string& host,
                                               std::string& detail) = 0;
    // Runs the handshake with a deadline (the socket is closed when it passes). `done` runs once, on
    // the socket's executor; the handshake keeps itself alive until then.
    virtual void start(std::chrono::milliseconds timeout, TlsHandshakeDone done) = 0;
    // Closes the socket on its executor (from any thread): a handshake in progress fails.
    virtual void abort() = 0;
};

// `context` from make_tls_context; it lives as long as the handshake and the stream it yields.
std::shared_ptr<TlsHandshake> make_tls_handshake(GenericSocket socket, std::shared_ptr<TlsContext> context,
                                                 TlsRole role);

// A certificate verdict (tls_certificate_expired, tls_host_name_mismatch, tls_unknown_ca,
// tls_client_certificate_required, tls_certificate_rejected): retrying the same peer cannot help.
bool is_certificate_error(std::error_code ec) noexcept;

}  // namespace ipcxx::detail
