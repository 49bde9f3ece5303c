#include "server/udp_peers.hpp"

#include "transport/udp_endpoint.hpp"

namespace ipcxx::detail {

UdpPeer::UdpPeer(std::weak_ptr<UdpServer> server_, asio::ip::udp::endpoint endpoint_, std::uint64_t serial_,
                 const std::string& delimiter, std::size_t max_frame)
    : server(std::move(server_)),
      endpoint(std::move(endpoint_)),
      serial(serial_),
      remote(describe_udp(endpoint)),
      reader(delimiter, max_frame) {}

std::shared_ptr<UdpPeer> UdpPeerTable::make(const std::weak_ptr<UdpServer>& server,
                                            const asio::ip::udp::endpoint& endpoint) {
    return std::make_shared<UdpPeer>(server, endpoint, next_serial_++, delimiter_, max_frame_);
}

std::shared_ptr<UdpPeer> UdpPeerTable::heard(const std::weak_ptr<UdpServer>& server,
                                             const asio::ip::udp::endpoint& from, Clock::time_point now) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = heard_.find(from);
    if (it == heard_.end() || now - it->second.last_heard > expiry_) {
        // An expired sender starts afresh: its partial frame is long stale.
        it = heard_.insert_or_assign(from, Entry{make(server, from), now}).first;
    }
    it->second.last_heard = now;
    return it->second.peer;
}

std::shared_ptr<UdpPeer> UdpPeerTable::address(const std::weak_ptr<UdpServer>& server,
                                               const asio::ip::udp::endpoint& to) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = heard_.find(to); it != heard_.end()) return it->second.peer;
    return make(server, to);
}

std::vector<std::shared_ptr<UdpPeer>> UdpPeerTable::active(Clock::time_point now) {
    std::vector<std::shared_ptr<UdpPeer>> out;
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = heard_.begin(); it != heard_.end();) {
        if (now - it->second.last_heard > expiry_) {
            it = heard_.erase(it);
        } else {
            out.push_back(it->second.peer);
            ++it;
        }
    }
    return out;
}

void UdpPeerTable::forget(const UdpPeer& peer) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = heard_.find(peer.endpoint); it != heard_.end() && it->second.peer.get() == &peer) heard_.erase(it);
}

void UdpPeerTable::clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    heard_.clear();
}

}  // namespace ipcxx::detail
