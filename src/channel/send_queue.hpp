// A channel's outgoing messages, without sockets: the bound on queued bytes, Node's backpressure
// flag, and Node's rule for descriptors: after a message carrying one is written, nothing more is
// written until the peer's NODE_HANDLE_ACK (a NACK sends it again, at most max_retransmissions).
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <system_error>

namespace ipcxx::detail {

class SendQueue {
public:
    // Node's MAX_HANDLE_RETRANSMISSIONS.
    static constexpr unsigned max_retransmissions = 3;

    struct Entry {
        std::string bytes;
        int fd = -1;               // sent with the first byte (SCM_RIGHTS); owned by the queue
        std::size_t written = 0;
        unsigned retransmissions = 0;
    };
    struct Pushed {
        std::error_code error;  // not_connected after end_input() / close(), queue_full
        bool keep_sending = true;
    };

    SendQueue(std::size_t max_pending_bytes, std::size_t high_water_mark)
        : max_pending_(max_pending_bytes), high_water_(high_water_mark) {}
    ~SendQueue();
    SendQueue(const SendQueue&) = delete;
    SendQueue& operator=(const SendQueue&) = delete;

    // Any thread. On success the queue owns `fd` (closed once the peer acknowledged it or the
    // queue closed); on error the caller keeps it.
    Pushed push(std::string bytes, int fd = -1);

    // The writer (one thread at a time). The message to write now, or null: nothing queued, or a
    // descriptor is waiting for the peer's answer. The entry stays valid until wrote() finishes it.
    Entry* next();
    struct Progress {
        bool finished = false;  // the entry is written (a descriptor's entry now awaits the answer)
        bool drained = false;   // the queue emptied after a push answered keep_sending = false
    };
    Progress wrote(std::size_t n);
    // The peer's NODE_HANDLE_ACK: the descriptor is closed and writing goes on.
    void acknowledged();
    // The peer's NODE_HANDLE_NACK: the message goes first again; false (and it is dropped, counted
    // in undelivered) once max_retransmissions were spent. False too when nothing awaited an answer.
    bool refused();
    bool awaiting_answer() const;

    // No more pushes (not_connected); what is queued is still written.
    void end_input();
    // True when nothing is queued and no answer is awaited.
    bool idle() const;
    // Refuses pushes and drops everything, closing its descriptors; returns how many messages
    // were not delivered (queued, or written with a descriptor not yet acknowledged).
    std::size_t close();

    std::size_t pending_bytes() const;

private:
    mutable std::mutex mutex_;
    std::deque<Entry> queue_;
    std::size_t pending_ = 0;  // bytes of queue_ not yet written
    Entry in_flight_;          // written with a descriptor, awaiting the answer
    bool awaiting_ = false;
    bool above_high_water_ = false;
    bool input_ended_ = false;
    std::size_t max_pending_;
    std::size_t high_water_;
};

}  // namespace ipcxx::detail
