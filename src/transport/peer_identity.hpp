// What the transport established about the peer before the first byte; fixed for the connection.
#pragma once

#include <optional>

#include "ipcxx/peer.hpp"

namespace ipcxx::detail {

struct PeerIdentity {
    std::optional<PeerCredentials> credentials;
    std::optional<CertificateIdentity> certificate;
};

}  // namespace ipcxx::detail
