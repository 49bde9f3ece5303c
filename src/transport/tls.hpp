// TLS over TCP with Asio's SSL support: contexts from a TlsConfig, the client's verification of
// the server's name, the peer's certificate identity, and errors that say what was refused.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include <asio/ssl/context.hpp>
#include <asio/ssl/stream.hpp>

#include "ipcxx/config.hpp"
#include "ipcxx/peer.hpp"
#include "transport/endpoint.hpp"

namespace ipcxx::detail {

using TlsSocket = asio::ssl::stream<GenericSocket>;
using TlsContext = asio::ssl::context;

enum class TlsRole { client, server };

// A context with TLS 1.2 at least, this side's certificate and key (required for a server), the
// trusted CAs (ca_file, else the system's store) and the verification the config asks for.
// errc::tls_configuration naming the file or setting on failure.
std::error_code make_tls_context(const TlsConfig& tls, TlsRole role, std::shared_ptr<TlsContext>& out,
                                 std::string& detail);

// Client side, before the handshake: SNI, and the name the server's certificate must carry
// (tls.server_name, else `host`; an IP address is matched against the certificate's IP entries).
std::error_code expect_server_name(TlsSocket& socket, const TlsConfig& tls, const std::string& host,
                                   std::string& detail);

// Runs the handshake with a deadline (the socket is closed when it passes). `done(ec, detail)` runs
// once, on the socket's executor; `socket` must live until then. `ec` as tls_error.
using TlsHandshakeDone = std::function<void(std::error_code ec, std::string detail)>;
void tls_handshake(const std::shared_ptr<TlsSocket>& socket, TlsRole role, std::chrono::milliseconds timeout,
                   TlsHandshakeDone done);

// The verified peer certificate's identity, if the peer presented one.
std::optional<CertificateIdentity> peer_certificate(TlsSocket& socket);

// A failed handshake or a TLS read error as one of ours when it says something precise
// (tls_certificate_expired, tls_host_name_mismatch, tls_unknown_ca, tls_client_certificate_required,
// tls_certificate_rejected, tls_handshake_failed); `socket` may be null after the handshake.
// A peer that closed without TLS's close_notify is a plain end of stream.
std::error_code tls_error(std::error_code ec, TlsSocket* socket);
// One of the certificate verdicts above: retrying the same peer cannot help.
bool is_certificate_error(std::error_code ec) noexcept;

}  // namespace ipcxx::detail
