// The TLS interface of transport/tls.hpp with OpenSSL, through Asio's SSL support (left out of a
// build with IPCXX_WITH_TLS=OFF, which compiles transport/tls_unavailable.cpp instead).
#include "transport/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <asio/ip/address.hpp>
#include <asio/post.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/error.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

#include "ipcxx/error.hpp"

namespace ipcxx {

bool tls_available() noexcept { return true; }

namespace detail {

class TlsContext : public asio::ssl::context {
public:
    using asio::ssl::context::context;
};

namespace {

using TlsSocket = asio::ssl::stream<GenericSocket>;

std::error_code config_error(std::string& detail, std::string what) {
    detail = std::move(what);
    return make_error_code(errc::tls_configuration);
}

std::string openssl_reason(const std::error_code& ec) { return ec.message(); }

std::string name_entry(X509_NAME* name, int nid) {
    const int index = X509_NAME_get_index_by_NID(name, nid, -1);
    if (index < 0) return {};
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, data);
    if (length < 0) return {};
    std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(length));
    OPENSSL_free(utf8);
    return out;
}

std::string one_line(X509_NAME* name) {
    BIO* bio = BIO_new(BIO_s_mem());
    if (!bio) return {};
    X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(length));
    BIO_free(bio);
    return out;
}

std::string sha256_fingerprint(X509* cert) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (X509_digest(cert, EVP_sha256(), digest, &length) != 1) return {};
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
        if (i > 0) out += ':';
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

errc verify_failure(long result) {
    switch (result) {
        case X509_V_ERR_CERT_HAS_EXPIRED:
        case X509_V_ERR_CERT_NOT_YET_VALID: return errc::tls_certificate_expired;
        case X509_V_ERR_HOSTNAME_MISMATCH:
        case X509_V_ERR_IP_ADDRESS_MISMATCH: return errc::tls_host_name_mismatch;
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: return errc::tls_unknown_ca;
        default: return errc::tls_certificate_rejected;
    }
}

// What the peer's alert says about our own certificate.
std::optional<errc> alert_failure(int reason) {
    switch (reason) {
        case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
        case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE: return errc::tls_client_certificate_required;
        case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED: return errc::tls_certificate_expired;
        case SSL_R_TLSV1_ALERT_UNKNOWN_CA: return errc::tls_unknown_ca;
        case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
        case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN: return errc::tls_certificate_rejected;
        default: return std::nullopt;
    }
}

}  // namespace

std::error_code make_tls_context(const TlsConfig& tls, TlsRole role, std::shared_ptr<TlsContext>& out,
                                 std::string& detail) {
    auto context = std::make_shared<TlsContext>(role == TlsRole::server ? TlsContext::tls_server
                                                                        : TlsContext::tls_client);
    std::error_code ec;
    if (SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION) != 1) {
        return config_error(detail, "cannot require TLS 1.2 or later");
    }
    context->set_options(TlsContext::default_workarounds | TlsContext::single_dh_use, ec);
    if (role == TlsRole::server && (tls.certificate_file.empty() || tls.private_key_file.empty())) {
        return config_error(detail, "a TLS server needs tls.certificate_file and tls.private_key_file");
    }
    if (tls.certificate_file.empty() != tls.private_key_file.empty()) {
        return config_error(detail, "tls.certificate_file and tls.private_key_file go together");
    }
    if (!tls.certificate_file.empty()) {
        if (context->use_certificate_chain_file(tls.certificate_file, ec), ec) {
            return config_error(detail, "cannot load tls.certificate_file " + tls.certificate_file + ": " +
                                            openssl_reason(ec));
        }
        if (context->use_private_key_file(tls.private_key_file, TlsContext::pem, ec), ec) {
            return config_error(detail, "cannot load tls.private_key_file " + tls.private_key_file + ": " +
                                            openssl_reason(ec));
        }
        if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
            return config_error(detail, "tls.private_key_file " + tls.private_key_file +
                                            " does not match tls.certificate_file " + tls.certificate_file);
        }
    }
    if (!tls.ca_file.empty()) {
        if (context->load_verify_file(tls.ca_file, ec), ec) {
            return config_error(detail, "cannot load tls.ca_file " + tls.ca_file + ": " + openssl_reason(ec));
        }
    } else if (context->set_default_verify_paths(ec), ec) {
        return config_error(detail, "cannot load the system's trusted certificates: " + openssl_reason(ec));
    }
    asio::ssl::verify_mode mode = asio::ssl::verify_none;
    if (role == TlsRole::client && !tls.insecure_skip_verify) mode = asio::ssl::verify_peer;
    if (role == TlsRole::server && tls.require_client_cert) {
        mode = asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert;
    }
    context->set_verify_mode(mode, ec);
    out = std::move(context);
    return {};
}

namespace {

// A peer that closed without TLS's close_notify is a plain end of stream; a failed handshake or a
// TLS read error is one of ours when it says something precise (a peer refusing our certificate
// says why). `socket` may be null after the handshake.
std::error_code tls_error(std::error_code ec, TlsSocket* socket) {
    if (!ec) return ec;
    if (ec == asio::ssl::error::stream_truncated) return asio::error::eof;
    if (socket) {
        const long verify = SSL_get_verify_result(socket->native_handle());
        if (verify != X509_V_OK) return make_error_code(verify_failure(verify));
    }
    if (ec.category() == asio::error::get_ssl_category()) {
        if (auto failure = alert_failure(ERR_GET_REASON(static_cast<unsigned long>(ec.value())))) {
            return make_error_code(*failure);
        }
        if (socket) return make_error_code(errc::tls_handshake_failed);
    }
    return ec;
}

std::optional<CertificateIdentity> peer_certificate(TlsSocket& socket) {
    X509* cert = SSL_get_peer_certificate(socket.native_handle());
    if (!cert) return std::nullopt;
    CertificateIdentity identity;
    identity.subject = one_line(X509_get_subject_name(cert));
    identity.common_name = name_entry(X509_get_subject_name(cert), NID_commonName);
    identity.issuer = one_line(X509_get_issuer_name(cert));
    identity.sha256_fingerprint = sha256_fingerprint(cert);
    X509_free(cert);
    return identity;
}

// A TLS link after its handshake. Asio's SSL stream writes records through async_write only, so
// write_now takes nothing; the count of unacknowledged bytes is unknown under TLS.
class TlsByteStream final : public ByteStream {
public:
    TlsByteStream(std::shared_ptr<TlsSocket> socket, std::shared_ptr<TlsContext> context)
        : context_(std::move(context)), socket_(std::move(socket)) {}

    void async_read_some(asio::mutable_buffer buffer, Completion done) override {
        socket_->async_read_some(buffer, [done = std::move(done)](std::error_code ec, std::size_t n) {
            done(tls_error(ec, nullptr), n);
        });
    }
    void async_write(std::vector<asio::const_buffer> buffers, Completion done) override {
        asio::async_write(*socket_, buffers, std::move(done));
    }
    std::size_t write_now(const std::vector<asio::const_buffer>&, std::error_code& ec) override {
        ec.clear();
        return 0;
    }
    void shutdown_send() override {
        std::error_code ignored;
        socket_->next_layer().shutdown(asio::socket_base::shutdown_send, ignored);
    }
    void close() override {
        std::error_code ignored;
        socket_->next_layer().shutdown(asio::socket_base::shutdown_both, ignored);
        socket_->next_layer().close(ignored);
    }
    // Resets the connection at close() rather than closing it at once, as a plain socket does.
    std::optional<std::uint64_t> abort() override {
        std::error_code ignored;
        socket_->next_layer().cancel(ignored);
        socket_->next_layer().set_option(asio::socket_base::linger(true, 0), ignored);
        return std::nullopt;
    }

private:
    std::shared_ptr<TlsContext> context_;  // before socket_: destroyed after it
    std::shared_ptr<TlsSocket> socket_;
};

class OpenSslHandshake final : public TlsHandshake, public std::enable_shared_from_this<OpenSslHandshake> {
public:
    OpenSslHandshake(GenericSocket socket, std::shared_ptr<TlsContext> context, TlsRole role)
        : context_(std::move(context)), socket_(std::make_shared<TlsSocket>(std::move(socket), *context_)),
          role_(role) {}

    std::error_code expect_server_name(const TlsConfig& tls, const std::string& host, std::string& detail) override {
        return server_name(*socket_, tls, host, detail);
    }

    void start(std::chrono::milliseconds timeout, TlsHandshakeDone done) override {
        auto timer = std::make_shared<asio::steady_timer>(socket_->get_executor());
        auto timed_out = std::make_shared<bool>(false);
        timer->expires_after(timeout);
        timer->async_wait([socket = socket_, timed_out](std::error_code ec) {
            if (ec) return;
            *timed_out = true;
            std::error_code ignored;
            socket->next_layer().close(ignored);
        });
        socket_->async_handshake(
            role_ == TlsRole::server ? TlsSocket::server : TlsSocket::client,
            [self = shared_from_this(), timer, timed_out, timeout, done = std::move(done)](std::error_code ec) {
                timer->cancel();
                if (!ec) {
                    auto certificate = peer_certificate(*self->socket_);
                    const auto executor = self->socket_->get_executor();
                    Stream stream(std::make_unique<TlsByteStream>(self->socket_, self->context_), executor);
                    return done({}, {}, TlsLink{std::move(stream), std::move(certificate)});
                }
                if (*timed_out) {
                    return done(make_error_code(errc::tls_handshake_failed),
                                "no TLS handshake within " + std::to_string(timeout.count()) + " ms", std::nullopt);
                }
                const auto ours = tls_error(ec, self->socket_.get());
                std::string detail = ours.message();
                if (ours.category() == category() && ours != ec) detail += " (" + ec.message() + ")";
                done(ours, std::move(detail), std::nullopt);
            });
    }

    void abort() override {
        asio::post(socket_->get_executor(), [socket = socket_] {
            std::error_code ignored;
            socket->next_layer().close(ignored);
        });
    }

private:
    static std::error_code server_name(TlsSocket& socket, const TlsConfig& tls, const std::string& host,
                                       std::string& detail) {
        std::string name = tls.server_name.empty() ? host : tls.server_name;
        if (name.size() > 2 && name.front() == '[' && name.back() == ']') name = name.substr(1, name.size() - 2);
        SSL* ssl = socket.native_handle();
        std::error_code not_ip;
        asio::ip::make_address(name, not_ip);
        // SNI carries host names only, never addresses (RFC 6066).
        if (not_ip && SSL_set_tlsext_host_name(ssl, name.c_str()) != 1) {
            return config_error(detail, "cannot send the server name " + name);
        }
        if (tls.insecure_skip_verify) return {};
        const int set = not_ip ? SSL_set1_host(ssl, name.c_str())
                               : X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str());
        if (set != 1) return config_error(detail, "cannot verify the server name " + name);
        return {};
    }

    std::shared_ptr<TlsContext> context_;  // before socket_: destroyed after it
    std::shared_ptr<TlsSocket> socket_;
    TlsRole role_;
};

}  // namespace

std::shared_ptr<TlsHandshake> make_tls_handshake(GenericSocket socket, std::shared_ptr<TlsContext> context,
                                                 TlsRole role) {
    return std::make_shared<OpenSslHandshake>(std::move(socket), std::move(context), role);
}

}  // namespace detail
}  // namespace ipcxx
