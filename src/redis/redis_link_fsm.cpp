#include "redis/redis_link_fsm.hpp"

#include "ipcxx/error.hpp"
#include "transport/tls.hpp"

namespace ipcxx::detail {

RedisLinkFsm::RedisLinkFsm(BackoffSettings backoff, std::size_t max_retries, std::uint64_t jitter_seed)
    : backoff_(backoff), max_retries_(max_retries), rng_(jitter_seed) {}

bool RedisLinkFsm::retry_cannot_help(std::error_code ec) noexcept {
    return ec == errc::redis_bad_url || ec == errc::redis_auth_failed || ec == errc::tls_configuration ||
           ec == errc::tls_unavailable || ec == errc::path_too_long || is_certificate_error(ec);
}

void RedisLinkFsm::on_connected() {
    if (state_ != State::connecting) return;
    state_ = State::ready;
    failures_ = 0;
}

RedisLinkFsm::Step RedisLinkFsm::on_attempt_failed(std::error_code why) {
    if (state_ != State::connecting) return {};
    if (retry_cannot_help(why)) {
        state_ = State::closed;
        final_ = why;
        Step step;
        step.end_everything = why;
        return step;
    }
    ++failures_;
    if (max_retries_ != 0 && failures_ >= max_retries_) {
        state_ = State::closed;
        final_ = make_error_code(errc::retries_exhausted);
        Step step;
        step.end_everything = final_;
        return step;
    }
    state_ = State::waiting;
    Step step;
    step.reconnect = true;
    step.delay = backoff_delay(backoff_, failures_, rng_);
    return step;
}

RedisLinkFsm::Step RedisLinkFsm::on_lost() {
    if (state_ != State::ready) return {};
    // A connection that worked is re-made at once; the backoff is for attempts that fail.
    state_ = State::waiting;
    Step step;
    step.publish_disconnect = true;
    step.reconnect = true;
    return step;
}

bool RedisLinkFsm::on_timer() {
    if (state_ != State::waiting) return false;
    state_ = State::connecting;
    return true;
}

RedisLinkFsm::Step RedisLinkFsm::on_close() {
    Step step;
    if (state_ == State::closed) return step;
    step.publish_disconnect = state_ == State::ready;
    state_ = State::closed;
    final_ = make_error_code(errc::not_connected);
    step.end_everything = final_;
    return step;
}

}  // namespace ipcxx::detail
