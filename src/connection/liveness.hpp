// When a link is stalled or dead, decided from the times bytes arrived, without sockets or timers:
//   - message_timeout: a frame left incomplete with no new byte for this long (a peer that keeps
//     delivering bytes, however slowly, is never cut off);
//   - heartbeats: pings every heartbeat_interval (on the side that sends them) and silence, no
//     byte at all, beyond heartbeat_timeout (on the side that watches for it). Config::heartbeat
//     decides who does which (native_client_ready, peer_pinged): in automatic mode the kernel
//     watches the link (transport/tcp_keepalive.*) and nothing here wakes an idle link for it.
// The owner asks check() when the deadline it returned last has passed; between checks it only
// records arrivals, so the read path never touches a timer.
// A check that runs late by more than stall_threshold means this side's own thread was held up
// (a long handler, say): what the peer sent meanwhile may still wait unread on the socket, and a
// pinging side sent no pings to be answered. Silence is then counted afresh from the end of the
// stall, rather than blamed on the peer.
#pragma once

#include <chrono>
#include <system_error>

#include "ipcxx/config.hpp"

namespace ipcxx::detail {

class Liveness {
public:
    using Clock = std::chrono::steady_clock;

    struct Settings {
        std::chrono::milliseconds message_timeout{0};     // 0 = off
        std::chrono::milliseconds heartbeat_interval{0};  // 0 = never ping
        std::chrono::milliseconds heartbeat_timeout{0};   // 0 = never close for silence
        std::chrono::milliseconds stall_threshold{0};     // lateness of a check that means a stall here
        // 0 = off. Otherwise a check that finds bytes arrived since the one before asks for the next
        // check within this time, and a check that finds none says the link is quiet (Verdict::quiet):
        // the owner lets go of the memory a busy link keeps, within about this time of going quiet.
        std::chrono::milliseconds quiet_period{0};
        HeartbeatMode heartbeat = HeartbeatMode::automatic;
        // 0 = exact. Otherwise every deadline a check returns is rounded up to a multiple of this on
        // the clock: the checks of many links due at about the same time then share one wake-up of
        // their thread, where exact deadlines would wake it once per link (docs/memory.md).
        std::chrono::milliseconds granularity{0};
    };

    explicit Liveness(Settings settings) : settings_(settings) {}

    // The link opened: arrivals are counted from `now`.
    void start(Clock::time_point now) {
        last_received_ = now;
        checked_ = Clock::time_point::min();  // the opening counts as activity
        due_ = Clock::time_point::max();
    }
    void on_received(Clock::time_point now) { last_received_ = now; }
    // From now on, ping every heartbeat_interval (when it is set), the first one interval from now.
    void send_pings(Clock::time_point now);
    // From now on, silence beyond heartbeat_timeout (when it is set) fails the link.
    void watch_silence() noexcept { watching_ = settings_.heartbeat_timeout.count() > 0; }

    // A client's native wire is up. Mode ping: it pings and watches for silence from now on.
    // Automatic (the kernel watches) and off: nothing.
    void native_client_ready(Clock::time_point now);
    // The peer sent a ping, and a peer that pings keeps doing so: unless heartbeats are off, its
    // silence beyond heartbeat_timeout fails the link from now on. True when that watch starts now.
    bool peer_pinged() noexcept;

    bool pinging() const noexcept { return pinging_; }
    bool watching() const noexcept { return watching_; }
    // True when some check is due at some point: the owner needs a timer.
    bool active() const noexcept { return settings_.message_timeout.count() > 0 || pinging_ || watching_; }

    struct Verdict {
        std::error_code failure;  // message_timeout or heartbeat_timeout: close the link
        bool ping = false;        // send a ping now
        bool quiet = false;       // quiet_period set, and nothing arrived since the last check
        Clock::time_point next;   // when to check again (meaningless after a failure, or if !active())
    };
    // `frame_incomplete`: bytes of a frame not yet complete are buffered.
    Verdict check(Clock::time_point now, bool frame_incomplete);

private:
    Clock::time_point on_grid(Clock::time_point t) const noexcept;

    Settings settings_;
    Clock::time_point last_received_{};
    Clock::time_point checked_ = Clock::time_point::min();  // when check() last ran
    Clock::time_point next_ping_{};
    Clock::time_point due_ = Clock::time_point::max();  // when the last check asked to be run again
    bool pinging_ = false;
    bool watching_ = false;
};

}  // namespace ipcxx::detail
