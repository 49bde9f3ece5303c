#include "redis/cluster_impl.hpp"

#include <algorithm>
#include <cctype>

#include <asio/post.hpp>

#include "ipcxx/error.hpp"
#include "redis/cluster_url.hpp"
#include "redis/redis_url.hpp"

namespace ipcxx::detail {
namespace cluster_impl_parts {

std::string host_of(const std::string& node_url) {
    RedisUrl url;
    std::string detail;
    return parse_redis_url(node_url, url, detail) ? std::string() : url.host;
}

// A script sent after ASKING goes whole: an EVALSHA answered NOSCRIPT would fall back to an EVAL
// without the ASKING before it.
std::vector<std::string> eval_arguments(const RedisScript& script, const std::vector<std::string>& keys,
                                        const std::vector<std::string>& args) {
    std::vector<std::string> out{"EVAL", script.text, std::to_string(keys.size())};
    out.insert(out.end(), keys.begin(), keys.end());
    out.insert(out.end(), args.begin(), args.end());
    return out;
}

// Errors after which the node may have failed over or left: the map is read again.
bool node_trouble(std::error_code ec) {
    return ec == make_error_code(errc::connection_lost) || ec == make_error_code(errc::retries_exhausted) ||
           ec == make_error_code(errc::request_timeout);
}

std::string upper(std::string word) {
    std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return word;
}

}  // namespace cluster_impl_parts

std::shared_ptr<RedisClusterImpl> RedisClusterImpl::create(std::shared_ptr<IoThread> thread, asio::io_context& io,
                                                           RedisOptions options) {
    std::shared_ptr<RedisClusterImpl> impl(new RedisClusterImpl(std::move(thread), io, std::move(options)));
    impl->start();
    return impl;
}

RedisClusterImpl::RedisClusterImpl(std::shared_ptr<IoThread> thread, asio::io_context& io, RedisOptions options)
    : thread_(std::move(thread)),
      io_(io),
      options_(std::move(options)),
      seeds_(cluster_seed_urls(options_.url)),
      home_url_(seed_url()),
      map_timer_(std::make_shared<asio::steady_timer>(io)) {}

void RedisClusterImpl::start() { ensure_node(seed_url(), true); }

// The seed connects, asked for the slot map, at the first command or connect(), so that handlers
// set after construction see its events. A URL that does not parse: the connection to the text as
// given refuses it with errc::redis_bad_url, as a single one would.
void RedisClusterImpl::connect_locked() {
    if (map_requested_) return;
    map_requested_ = true;
    const std::string url = seed_url();
    auto seed = find_locked(url);
    if (!seed) return;
    if (seeds_.empty()) return seed->start();
    refresh_locked(seed, cluster_impl_parts::host_of(url));
    watch_map_locked();
}

void RedisClusterImpl::connect() {
    std::lock_guard<std::mutex> lock(mutex_);
    connect_locked();
}

std::string RedisClusterImpl::seed_url() const { return seeds_.empty() ? options_.url : seeds_.front(); }

std::string RedisClusterImpl::url_of(const ClusterNode& node) const {
    return cluster_node_url(seed_url(), node.host, node.port);
}

void RedisClusterImpl::wire(const std::shared_ptr<RedisImpl>& node) {
    std::weak_ptr<RedisClusterImpl> weak = weak_from_this();
    node->on_connect([weak] {
        if (auto self = weak.lock()) self->forward_connect();
    });
    node->on_disconnect([weak](std::error_code ec) {
        auto self = weak.lock();
        if (!self) return;
        self->forward_disconnect(ec);
        std::lock_guard<std::mutex> lock(self->mutex_);
        self->watch_map_locked();
    });
    node->on_error([weak](std::error_code ec, const std::string& message) {
        if (auto self = weak.lock()) self->forward_error(ec, message);
    });
}

// Made without mutex_ held. Setting a node's handlers takes its callback lock, which comes before
// every lock of ours: the seed's are set here (in the constructor, nothing is held), a later node's
// on the I/O thread, ahead of anything its connection reports (which comes by the same I/O thread
// after a socket completion).
std::shared_ptr<RedisImpl> RedisClusterImpl::ensure_node(const std::string& url, bool wire_now) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (auto found = find_locked(url)) return found;
        if (closed_) return nullptr;
    }
    RedisOptions options = options_;
    options.url = url;
    // The nodes share the cluster's thread, which only the cluster may join (in destroy()).
    auto made = RedisImpl::create(nullptr, io_, std::move(options), std::nullopt, "RedisClient (cluster node " + url + ")");
    if (wire_now) {
        wire(made);
    } else {
        asio::post(io_, [weak = weak_from_this(), node = std::weak_ptr<RedisImpl>(made)] {
            auto self = weak.lock();
            auto wired = node.lock();
            if (self && wired) self->wire(wired);
        });
    }
    std::shared_ptr<RedisImpl> node, spare;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (closed_) {
            spare = made;
        } else {
            const auto [entry, inserted] = nodes_.emplace(url, made);
            if (!inserted) spare = made;  // another thread made it meanwhile
            node = entry->second;
        }
    }
    if (spare) spare->destroy();
    return node;
}

std::shared_ptr<RedisImpl> RedisClusterImpl::find_locked(const std::string& url) const {
    const auto found = nodes_.find(url);
    return found == nodes_.end() ? nullptr : found->second;
}

std::string RedisClusterImpl::route_url_locked(const Call& call) const {
    if (!seeds_.empty() && call.slot) {
        if (const auto node = map_.node_of(*call.slot)) return url_of(*node);
    }
    return home_url_;
}

std::shared_ptr<RedisImpl> RedisClusterImpl::route_locked(const Call& call) {
    // A node the map names only since ensure_node() ran: the seed, whose MOVED corrects it.
    if (auto node = find_locked(route_url_locked(call))) return node;
    return find_locked(home_url_);
}

void RedisClusterImpl::submit(const std::shared_ptr<Call>& call, const std::string& name) {
    std::string url;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        url = route_url_locked(*call);
    }
    ensure_node(url);
    std::lock_guard<std::mutex> lock(mutex_);
    connect_locked();
    dispatch_locked(call, name);
}

void RedisClusterImpl::send_locked(const std::shared_ptr<Call>& call, const std::shared_ptr<RedisImpl>& node,
                                   bool asking) {
    std::weak_ptr<RedisClusterImpl> weak = weak_from_this();
    RedisReplyHandler on_reply = [weak, call, via = std::weak_ptr<RedisImpl>(node)](std::error_code ec, RedisReply reply) {
        if (auto self = weak.lock()) return self->on_reply(call, via, ec, std::move(reply));
        call->on_reply(ec, std::move(reply));
    };
    if (asking) {
        node->command({"ASKING"}, [](std::error_code, RedisReply) {});
        node->command(call->script ? cluster_impl_parts::eval_arguments(*call->script, call->keys, call->args)
                                   : call->args,
                      std::move(on_reply));
    } else if (call->script) {
        node->eval(*call->script, call->keys, call->args, std::move(on_reply));
    } else {
        node->command(call->args, std::move(on_reply));
    }
}

void RedisClusterImpl::refresh_locked(const std::shared_ptr<RedisImpl>& node, const std::string& host) {
    // One map read at a time, unless the one under way waits for a node that is down (then another
    // node is asked; the same one only once).
    if (closed_ || (refreshing_ && refresh_node_ && (refresh_node_->connected() || refresh_node_ == node))) return;
    refreshing_ = true;
    refresh_node_ = node;
    std::weak_ptr<RedisClusterImpl> weak = weak_from_this();
    node->command({"CLUSTER", "SLOTS"}, [weak, host](std::error_code ec, RedisReply reply) {
        if (auto self = weak.lock()) self->on_slots(ec, reply, host);
    });
}

void RedisClusterImpl::on_slots(std::error_code ec, const RedisReply& reply, const std::string& host) {
    std::error_code bad;
    std::vector<std::shared_ptr<RedisImpl>> retired;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        refreshing_ = false;
        if (!ec) bad = map_.assign(reply, host);
        if (!ec && !bad) retired = retire_locked();
    }
    // Their waiting commands come back (on_reply) and go where the new map says.
    for (const auto& node : retired) node->close();
    if (bad) forward_error(bad, "CLUSTER SLOTS answered with a reply that is not a slot map");
    if (ec && ec != make_error_code(errc::not_connected)) {
        forward_error(ec, "CLUSTER SLOTS failed" + (reply.kind == RedisReply::Kind::error ? ": " + reply.text : std::string()));
    }
}

void RedisClusterImpl::watch_map_locked() {
    if (closed_ || map_watched_ || seeds_.empty()) return;
    map_watched_ = true;
    // Often enough to find a promoted replica soon after a failover, seldom enough not to load the
    // nodes that are up while one is down: five first retries, within 0.1 .. 1 s.
    const auto interval = std::clamp(options_.retry * 5, std::chrono::milliseconds(100), std::chrono::milliseconds(1000));
    map_timer_->expires_after(interval);
    map_timer_->async_wait([weak = weak_from_this()](std::error_code ec) {
        auto self = weak.lock();
        if (!ec && self) self->check_map();
    });
}

bool RedisClusterImpl::map_stale_locked() const {
    if (map_.empty()) return true;
    for (const auto& [url, node] : nodes_) {
        if (!node->connected() && named_by_map_locked(url)) return true;
    }
    return false;
}

void RedisClusterImpl::check_map() {
    std::string seed;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        map_watched_ = false;
        if (closed_ || !map_stale_locked()) return;
        for (const auto& [url, node] : nodes_) {
            if (!node->connected()) continue;
            refresh_locked(node, cluster_impl_parts::host_of(url));
            return watch_map_locked();
        }
        seed = seeds_[next_seed_++ % seeds_.size()];
    }
    // No node is up: ask the seeds in turn (made outside mutex_, see ensure_node).
    auto node = ensure_node(seed);
    std::lock_guard<std::mutex> lock(mutex_);
    if (node) refresh_locked(node, cluster_impl_parts::host_of(seed));
    watch_map_locked();
}

bool RedisClusterImpl::named_by_map_locked(const std::string& url) const {
    for (const auto& node : map_.nodes()) {
        if (url_of(node) == url) return true;
    }
    return false;
}

bool RedisClusterImpl::current_locked(const std::shared_ptr<RedisImpl>& node) const {
    for (const auto& entry : nodes_) {
        if (entry.second == node) return true;
    }
    return false;
}

std::vector<std::shared_ptr<RedisImpl>> RedisClusterImpl::retire_locked() {
    std::vector<std::string> leaving;
    std::string new_home;  // a node the map names, one that is up if there is one
    for (const auto& [url, node] : nodes_) {
        if (named_by_map_locked(url)) {
            if (new_home.empty() || (node->connected() && !nodes_.at(new_home)->connected())) new_home = url;
        } else if (!node->connected()) {
            leaving.push_back(url);
        }
    }
    const bool can_move_home = !new_home.empty() && new_home != home_url_ && nodes_.at(new_home)->connected();
    const auto home = nodes_.find(home_url_);
    // A home node that is down leaves even while the map names it (a seed down since the start, a
    // master not yet replaced): what waits there (sent before the map was read, keyless commands)
    // goes by the map instead; its slots' commands find it again by MOVED.
    if (can_move_home && home != nodes_.end() && !home->second->connected() &&
        std::find(leaving.begin(), leaving.end(), home_url_) == leaving.end()) {
        leaving.push_back(home_url_);
    }
    std::vector<std::shared_ptr<RedisImpl>> retired;
    for (const auto& url : leaving) {
        // The home node stays until a node that is up can take its place.
        if (url == home_url_ && !can_move_home) continue;
        if (url == home_url_) home_url_ = new_home;
        retired.push_back(nodes_.at(url));
        nodes_.erase(url);
    }
    return retired;
}

void RedisClusterImpl::command(std::vector<std::string> args, RedisReplyHandler on_reply) {
    auto call = std::make_shared<Call>();
    call->slot = cluster_command_slot(args);
    const std::string name = args.empty() ? std::string() : cluster_impl_parts::upper(args.front());
    call->args = std::move(args);
    call->on_reply = std::move(on_reply);
    submit(call, name);
}

void RedisClusterImpl::dispatch_locked(const std::shared_ptr<Call>& call, const std::string& name) {
    if (!transaction_) {
        if (name != "MULTI") return send_locked(call, route_locked(*call), false);
        transaction_.emplace();
    }
    call->in_transaction = true;
    Transaction& transaction = *transaction_;
    const bool ends = name == "EXEC" || name == "DISCARD";
    if (!transaction.node && (call->slot || ends)) {
        transaction.node = route_locked(*call);
        for (const auto& waiting : transaction.waiting) send_locked(waiting, transaction.node, false);
        transaction.waiting.clear();
    }
    if (transaction.node) {
        send_locked(call, transaction.node, false);
    } else {
        transaction.waiting.push_back(call);
    }
    if (ends) transaction_.reset();
}

void RedisClusterImpl::eval(const RedisScript& script, std::vector<std::string> keys, std::vector<std::string> args,
                            RedisReplyHandler on_reply) {
    auto call = std::make_shared<Call>();
    if (!keys.empty()) call->slot = cluster_key_slot(keys.front());
    call->script = script;
    call->keys = std::move(keys);
    call->args = std::move(args);
    call->on_reply = std::move(on_reply);
    submit(call, "EVALSHA");
}

void RedisClusterImpl::on_reply(const std::shared_ptr<Call>& call, const std::weak_ptr<RedisImpl>& via,
                                std::error_code ec, RedisReply reply) {
    if (ec == make_error_code(errc::not_connected) && !call->in_transaction) {
        // Never written: its node left (retire_locked) while it waited there.
        const auto node = via.lock();
        std::lock_guard<std::mutex> lock(mutex_);
        if (!closed_ && (!node || !current_locked(node))) {
            if (auto next = route_locked(*call)) return send_locked(call, next, false);
        }
    }
    ClusterDecision decision = decide_cluster_reply(ec, reply, call->redirects, options_.cluster_max_redirects);
    if (call->in_transaction && decision.action != ClusterDecision::Action::deliver) {
        // Inside MULTI the error is the command's own (EXEC then fails): only the map is read again.
        if (!decision.redirect.ask) {
            auto node = ensure_node(url_of(decision.redirect.node));
            std::lock_guard<std::mutex> lock(mutex_);
            map_.set(decision.redirect.slot, decision.redirect.node);
            if (node) refresh_locked(node, decision.redirect.node.host);
        }
        decision.action = ClusterDecision::Action::deliver;
    }
    switch (decision.action) {
    case ClusterDecision::Action::deliver:
        if (cluster_impl_parts::node_trouble(ec)) {
            // The node failed: read the map again from one that is still up.
            std::lock_guard<std::mutex> lock(mutex_);
            for (const auto& [url, node] : nodes_) {
                if (node->connected()) {
                    refresh_locked(node, cluster_impl_parts::host_of(url));
                    break;
                }
            }
        }
        return finish(call, ec, std::move(reply));
    case ClusterDecision::Action::give_up:
        return finish(call, make_error_code(errc::redis_redirect_limit), std::move(reply));
    case ClusterDecision::Action::redirect:
        break;
    }
    const ClusterRedirect& to = decision.redirect;
    if (auto node = ensure_node(url_of(to.node))) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!closed_) {
            if (!to.ask) {
                map_.set(to.slot, to.node);
                refresh_locked(node, to.node.host);
            }
            ++call->redirects;
            send_locked(call, node, to.ask);
            return;
        }
    }
    finish(call, make_error_code(errc::not_connected), std::move(reply));
}

void RedisClusterImpl::finish(const std::shared_ptr<Call>& call, std::error_code ec, RedisReply reply) {
    std::lock_guard<std::recursive_mutex> callbacks(callback_mutex_);
    call->on_reply(ec, std::move(reply));
}

void RedisClusterImpl::forward_connect() {
    std::lock_guard<std::recursive_mutex> callbacks(callback_mutex_);
    if (!callbacks_closed_ && on_connect_) on_connect_();
}

void RedisClusterImpl::forward_disconnect(std::error_code ec) {
    std::lock_guard<std::recursive_mutex> callbacks(callback_mutex_);
    if (!callbacks_closed_ && on_disconnect_) on_disconnect_(ec);
}

void RedisClusterImpl::forward_error(std::error_code ec, const std::string& message) {
    std::lock_guard<std::recursive_mutex> callbacks(callback_mutex_);
    if (!callbacks_closed_ && on_error_) on_error_(ec, message);
}

void RedisClusterImpl::on_connect(std::function<void()> handler) {
    std::lock_guard<std::recursive_mutex> callbacks(callback_mutex_);
    on_connect_ = std::move(handler);
}

void RedisClusterImpl::on_disconnect(std::function<void(std::error_code)> handler) {
    std::lock_guard<std::recursive_mutex> callbacks(callback_mutex_);
    on_disconnect_ = std::move(handler);
}

void RedisClusterImpl::on_error(std::function<void(std::error_code, const std::string&)> handler) {
    std::lock_guard<std::recursive_mutex> callbacks(callback_mutex_);
    on_error_ = std::move(handler);
}

void RedisClusterImpl::close() {
    std::vector<std::shared_ptr<RedisImpl>> nodes;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        closed_ = true;
        map_timer_->cancel();
        for (const auto& entry : nodes_) nodes.push_back(entry.second);
    }
    for (const auto& node : nodes) node->close();
}

void RedisClusterImpl::destroy() {
    std::vector<std::shared_ptr<RedisImpl>> nodes;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        closed_ = true;
        map_timer_->cancel();
        for (const auto& entry : nodes_) nodes.push_back(entry.second);
    }
    for (const auto& node : nodes) node->destroy();
    {
        std::lock_guard<std::recursive_mutex> callbacks(callback_mutex_);
        callbacks_closed_ = true;
        on_connect_ = nullptr;
        on_disconnect_ = nullptr;
        on_error_ = nullptr;
    }
    release(thread_, [] {});
}

bool RedisClusterImpl::connected() const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (nodes_.empty() || map_.empty()) return false;
    for (const auto& entry : nodes_) {
        if (!entry.second->connected()) return false;
    }
    return true;
}

bool RedisClusterImpl::on_io_thread() const noexcept {
    if (thread_) return thread_->in_this_thread();
    return io_.get_executor().running_in_this_thread();
}

}  // namespace ipcxx::detail
