// When a server publishes a connection's `connect`: once it knows who the client is, so that
// Socket::id() and native() are settled inside the handler and emit_to(id) reaches the client:
//   - the client's hello arrived (an ipcxx client), once it is answered;
//   - its first frame is something else (a node-ipc client), before that frame is dispatched;
//   - it sent nothing within handshake_timeout (a node-ipc client that only listens), on a server
//     whose wire is automatic (in native mode a client that says no hello is never one);
//   - at once where no hello can come (server wire json, raw buffers).
// Whichever comes first, at most once, never after the connection ended. Without sockets or
// timers; not thread-safe (the connection's strand).
#pragma once

namespace ipcxx::detail {

class ConnectGate {
public:
    // `hello_possible`: the server's wire lets a client say hello. `announce_silent`: a client
    // silent for handshake_timeout is announced then.
    ConnectGate(bool hello_possible, bool announce_silent) noexcept
        : hello_possible_(hello_possible), announce_silent_(announce_silent) {}

    // Each returns true when `connect` is due now (judge the client first, if a hook says so).
    bool on_start() noexcept { return !hello_possible_ && announce(); }
    bool on_first_frame() noexcept { return announce(); }
    bool on_timeout() noexcept { return announce_silent_ && announce(); }

    // Whether to wait handshake_timeout for a client that says nothing (after on_start()).
    bool waits_for_timeout() const noexcept { return state_ == State::waiting && announce_silent_; }
    // The client was refused when it was due: it was never announced.
    void on_refused() noexcept { state_ = State::ended; }
    // The connection closed: nothing is due any more.
    void on_closed() noexcept {
        if (state_ == State::waiting) state_ = State::ended;
    }
    // `connect` was published: `socket.disconnected` is owed at the close.
    bool announced() const noexcept { return state_ == State::announced; }

private:
    enum class State { waiting, announced, ended };
    bool announce() noexcept {
        if (state_ != State::waiting) return false;
        state_ = State::announced;
        return true;
    }

    const bool hello_possible_;
    const bool announce_silent_;
    State state_ = State::waiting;
};

}  // namespace ipcxx::detail
