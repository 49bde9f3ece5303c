#include "client/client_impl.hpp"

#include <asio/bind_executor.hpp>
#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>

#include "connection/message_encoder.hpp"
#include "ipcxx/error.hpp"

namespace ipcxx::detail {
namespace {

ReconnectSettings reconnect_settings(const Config& config) {
    ReconnectSettings settings;
    settings.retry = config.retry;
    settings.max_retries = config.max_retries;
    settings.stop_retrying = config.stop_retrying;
    return settings;
}

}  // namespace

ClientImpl::ClientImpl(asio::io_context& io, Config config)
    : io_(io),
      config_((config.validate(), std::move(config))),
      events_(Side::client, config_),
      strand_(asio::make_strand(io)),
      outbox_(std::make_shared<Outbox>(config_.max_pending_bytes, Outbox::OnFailure::requeue)),
      fsm_(reconnect_settings(config_)),
      timer_(strand_),
      socket_(strand_) {}

void ClientImpl::start(std::string server_id, Target target) {
    if (started_.exchange(true)) {
        throw Error(make_error_code(errc::invalid_argument), "client already connects to '" + server_id_ + "'");
    }
    server_id_ = std::move(server_id);
    target_ = std::move(target);
    asio::post(strand_, [self = shared_from_this()] {
        if (self->fsm_.start()) self->attempt();
    });
}

std::error_code ClientImpl::emit(std::string_view event, std::string_view msgpack_data) {
    std::string& frame = encode_buffer();
    std::string detail;
    if (auto ec = encode_message(event, msgpack_data, config_, frame, detail)) return ec;
    switch (outbox_->push(frame)) {
        case Outbox::Push::start_write:
            asio::post(strand_, [self = shared_from_this()] {
                if (self->conn_) self->conn_->write_pending();
            });
            return {};
        case Outbox::Push::queued: return {};
        case Outbox::Push::full: return make_error_code(errc::queue_full);
        case Outbox::Push::closed: return make_error_code(errc::not_connected);
    }
    return {};
}

void ClientImpl::attempt() {
    std::vector<GenericEndpoint> endpoints;
    std::string detail;
    if (target_.kind == Target::Kind::unix_socket) {
        GenericEndpoint endpoint;
        if (unix_endpoint(target_.path, endpoint)) {
            // Retrying cannot make the path shorter.
            report_error(make_error_code(errc::path_too_long),
                         "Unix socket path is too long for the platform: " + target_.path);
            return handle_closed(CloseCause::protocol_violation);
        }
        endpoints.push_back(endpoint);
    } else if (auto ec = resolve_tcp(target_.host, target_.port, endpoints, detail)) {
        report_error(ec, detail);
        return handle_closed(CloseCause::closed);
    }
    const std::uint64_t id = ++attempt_;
    socket_ = GenericSocket(strand_);
    asio::async_connect(socket_, endpoints,
                        asio::bind_executor(strand_, [self = shared_from_this(), id](std::error_code ec,
                                                                                     const GenericEndpoint&) {
                            self->on_connect(id, ec);
                        }));
}

void ClientImpl::on_connect(std::uint64_t attempt, std::error_code ec) {
    if (attempt != attempt_ || fsm_.state() != ReconnectFsm::State::connecting) return;
    if (ec) {
        report_error(ec, "cannot connect to " + target_.describe() + ": " + ec.message());
        return handle_closed(CloseCause::closed);
    }
    std::error_code ignored;
    const auto remote = socket_.remote_endpoint(ignored);
    if (is_tcp(remote)) socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
    conn_ = std::make_shared<Connection>(strand_, std::move(socket_), outbox_, weak_from_this(), config_, 0,
                                         describe_endpoint(remote, target_.path));
    fsm_.on_connected();
    connected_.store(true, std::memory_order_release);
    conn_->start();
    events_.publish("connect");
}

void ClientImpl::disconnect() {
    asio::post(strand_, [self = shared_from_this()] {
        const ReconnectStep step = self->fsm_.on_disconnect();
        self->timer_.cancel();
        std::error_code ignored;
        self->socket_.close(ignored);
        if (self->conn_) {
            // Accounting is final only once the connection's write has completed.
            self->explicit_disconnect_ = step;
            self->conn_->close();
            return;
        }
        self->apply(step);
    });
}

void ClientImpl::on_message(Connection&, std::string_view event, const Payload& data) {
    events_.publish_message(event, data, nullptr);
}

void ClientImpl::on_input_error(Connection& conn, std::error_code ec, const std::string& detail) {
    protocol_violation_ = true;
    report_error(ec, "closing connection to " + conn.remote() + ": " + detail);
}

void ClientImpl::on_write_result(Connection&, const Outbox::Completion& result) {
    if (result.undelivered > 0) {
        report_error(make_error_code(errc::undelivered),
                     std::to_string(result.undelivered) + " message(s) not delivered", result.undelivered);
    }
}

void ClientImpl::on_closed(Connection&, std::error_code) {
    conn_.reset();
    connected_.store(false, std::memory_order_release);
    if (explicit_disconnect_) {
        const ReconnectStep step = *explicit_disconnect_;
        explicit_disconnect_.reset();
        return apply(step);
    }
    const CloseCause cause = protocol_violation_ ? CloseCause::protocol_violation : CloseCause::closed;
    protocol_violation_ = false;
    handle_closed(cause);
}

void ClientImpl::handle_closed(CloseCause cause) {
    connected_.store(false, std::memory_order_release);
    apply(fsm_.on_closed(cause));
}

void ClientImpl::apply(const ReconnectStep& step) {
    if (step.publish_disconnect) events_.publish("disconnect");
    if (step.publish_destroy) return finish();
    if (step.reconnect) {
        timer_.expires_after(step.delay);
        timer_.async_wait(asio::bind_executor(strand_, [self = shared_from_this()](std::error_code ec) {
            if (!ec && self->fsm_.on_timer()) self->attempt();
        }));
    }
}

void ClientImpl::finish() {
    const std::size_t lost = outbox_->close();
    if (lost > 0) {
        report_error(make_error_code(errc::undelivered),
                     std::to_string(lost) + " message(s) to '" + server_id_ + "' not delivered: client destroyed",
                     lost);
    }
    events_.publish("destroy");
}

void ClientImpl::report_error(std::error_code ec, std::string message, std::size_t undelivered) {
    ErrorEvent error;
    error.code = ec;
    error.message = std::move(message);
    error.undelivered = undelivered;
    events_.publish_error(std::move(error));
}

}  // namespace ipcxx::detail
