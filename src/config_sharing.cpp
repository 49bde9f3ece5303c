// Shared Configs: a process-wide list of the copies in use, compared field by field.
#include "config_sharing.hpp"

#include <algorithm>
#include <mutex>
#include <tuple>
#include <vector>

namespace ipcxx::detail {
namespace config_sharing {

// A field added to Config must be compared in same_config, or two clients that differ in it would
// share one copy: this bound fails to compile until it is (the layout of libstdc++ on x86-64).
#if defined(__x86_64__) && defined(__GLIBCXX__) && !defined(_GLIBCXX_DEBUG)
static_assert(sizeof(Config) == 712, "a field was added to Config: compare it in same_config, then update this size");
#endif

auto tls_fields(const TlsConfig& t) {
    return std::tie(t.enabled, t.certificate_file, t.private_key_file, t.ca_file, t.server_name,
                    t.require_client_cert, t.insecure_skip_verify);
}

auto slow_subscriber_fields(const SlowSubscriberConfig& s) {
    return std::tie(s.policy, s.disconnect_after, s.report_interval);
}

auto value_fields(const Config& c) {
    return std::tie(c.id, c.appspace, c.socket_root, c.network_host, c.network_port, c.retry, c.max_retries,
                    c.stop_retrying, c.max_connections, c.unlink, c.readable_all, c.writable_all, c.delimiter,
                    c.wire, c.handshake_timeout, c.request_timeout, c.handler_threads, c.io_threads,
                    c.max_message_size, c.max_pending_bytes, c.take_over, c.abstract_socket, c.allowed_uids,
                    c.allowed_events, c.sync, c.raw_buffer, c.encoding, c.udp_peer_expiry, c.busy_poll,
                    c.unix_send_buffer, c.max_event_name_length, c.message_timeout, c.heartbeat, c.heartbeat_interval,
                    c.heartbeat_timeout, c.retry_backoff_max, c.retry_jitter, c.disconnect_timeout, c.topics,
                    c.silent);
}

struct Shared {
    std::mutex mutex;
    std::vector<std::weak_ptr<const Config>> copies;
};

Shared& shared() {
    static Shared* const instance = new Shared;  // never destroyed: clients may outlive static destruction
    return *instance;
}

}  // namespace config_sharing

bool same_config(const Config& a, const Config& b) {
    using namespace config_sharing;
    if (&a == &b) return true;
    if (a.authenticate || b.authenticate || a.logger || b.logger) return false;
    return value_fields(a) == value_fields(b) && tls_fields(a.tls) == tls_fields(b.tls) &&
           slow_subscriber_fields(a.slow_subscriber) == slow_subscriber_fields(b.slow_subscriber);
}

std::shared_ptr<const Config> shared_config(Config config) {
    auto& shared = config_sharing::shared();
    std::lock_guard<std::mutex> lock(shared.mutex);
    auto& copies = shared.copies;
    copies.erase(std::remove_if(copies.begin(), copies.end(), [](const auto& copy) { return copy.expired(); }),
                 copies.end());
    for (const auto& copy : copies) {
        if (auto live = copy.lock(); live && same_config(*live, config)) return live;
    }
    // Not make_shared: a copy's memory goes with its last holder, not with the last weak_ptr here.
    std::shared_ptr<const Config> made(new Config(std::move(config)));
    if (!made->authenticate && !made->logger) copies.push_back(made);
    return made;
}

}  // namespace ipcxx::detail
