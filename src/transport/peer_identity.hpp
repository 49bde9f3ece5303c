// What the transport established about the peer before the first byte; fixed for the connection.
#pragma once

#include <memory>
#include <optional>

#include "ipcxx/peer.hpp"

namespace ipcxx::detail {

struct PeerIdentity {
    std::optional<PeerCredentials> credentials;
    // Mutual TLS only: held apart, so that every other connection keeps a pointer, not four strings.
    std::shared_ptr<const CertificateIdentity> certificate;
};

}  // namespace ipcxx::detail
