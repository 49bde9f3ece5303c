// The senders a UDP endpoint has heard from, without sockets: one record per (address, port) with
// its partial frame, and an expiry so that broadcast reaches recent senders only and the table does
// not grow forever (node-ipc 14 never forgets a sender). Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <asio/ip/udp.hpp>

#include "codec/frame_reader.hpp"

namespace ipcxx::detail {

class UdpServer;
using Clock = std::chrono::steady_clock;

struct UdpPeer {
    UdpPeer(std::weak_ptr<UdpServer> server, asio::ip::udp::endpoint endpoint, std::uint64_t serial,
            const std::string& delimiter, std::size_t max_frame);

    const std::weak_ptr<UdpServer> server;  // a Socket kept after its server is gone emits nothing
    const asio::ip::udp::endpoint endpoint;
    const std::uint64_t serial;
    const std::string remote;      // "127.0.0.1:40312", "[::1]:40312"
    FrameReader reader;            // the partial frame of this sender; the endpoint's strand only
    std::atomic<std::size_t> pending{0};  // datagrams queued for this peer and not yet sent
};

class UdpPeerTable {
public:
    UdpPeerTable(std::chrono::milliseconds expiry, std::string delimiter, std::size_t max_frame)
        : expiry_(expiry), delimiter_(std::move(delimiter)), max_frame_(max_frame) {}

    // The record of a sender that has just been heard from at `now` (made if new).
    std::shared_ptr<UdpPeer> heard(const std::weak_ptr<UdpServer>& server, const asio::ip::udp::endpoint& from,
                                   Clock::time_point now);
    // A record for an address nothing was heard from (emit to it); not in the broadcast list until it speaks.
    std::shared_ptr<UdpPeer> address(const std::weak_ptr<UdpServer>& server, const asio::ip::udp::endpoint& to);
    // The senders heard from within the expiry before `now`; forgets the others.
    std::vector<std::shared_ptr<UdpPeer>> active(Clock::time_point now);
    // Leaves the broadcast list (Socket::disconnect); its next datagram brings it back.
    void forget(const UdpPeer& peer);
    void clear();

private:
    struct Entry {
        std::shared_ptr<UdpPeer> peer;
        Clock::time_point last_heard;
    };
    std::shared_ptr<UdpPeer> make(const std::weak_ptr<UdpServer>& server, const asio::ip::udp::endpoint& endpoint);

    const std::chrono::milliseconds expiry_;
    const std::string delimiter_;
    const std::size_t max_frame_;
    std::mutex mutex_;
    std::map<asio::ip::udp::endpoint, Entry> heard_;
    std::uint64_t next_serial_ = 1;
};

}  // namespace ipcxx::detail
