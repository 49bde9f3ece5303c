// What a server knows about a client before trusting it: Unix-socket credentials, a TLS
// certificate, and the hello an ipcxx client sends. The authenticate hook (Config) sees all of it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace ipcxx {

/// The process at the other end of a Unix socket (Linux: SO_PEERCRED, taken when it connected).
struct PeerCredentials {
    std::int32_t pid = 0;   ///< the peer's process id
    std::uint32_t uid = 0;  ///< its user id
    std::uint32_t gid = 0;  ///< its group id
};

/// The certificate a TLS peer presented (verified against tls.ca_file when required).
struct CertificateIdentity {
    std::string subject;             ///< RFC 2253: "CN=alice,O=Example"
    std::string common_name;         ///< the subject's CN
    std::string issuer;              ///< RFC 2253
    std::string sha256_fingerprint;  ///< "ab:cd:...", for pinning
};

/// What config.authenticate sees about a new connection, before any of its messages is dispatched.
struct PeerHello {
    bool said_hello = false;  ///< an ipcxx client that sent its hello; false: node-ipc, or wire = json
    std::string id;           ///< the client's id from its hello; empty when it said none
    std::string remote_address;                       ///< as Socket::remote_address()
    std::optional<PeerCredentials> credentials;       ///< Unix sockets on Linux
    std::optional<CertificateIdentity> certificate;   ///< mutual TLS
};

}  // namespace ipcxx
