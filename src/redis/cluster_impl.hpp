// The Redis Cluster client under RedisClient (a `redis+cluster://` URL): one RedisImpl per master,
// made when the slot map (CLUSTER SLOTS) or a redirect first names it; each command goes to the
// master of its first key's slot, and MOVED/ASK replies send it on (ClusterSlotMap and
// decide_cluster_reply decide). Until the map is read, and for keyless commands, the home node (the
// first seed, until it is down and the map no longer names it).
//
// While the map is not read, or names a master whose connection is down, it is read again every
// map_retry (from a node that is up, else from the next seed in turn): a replica promoted in a
// failover is found, and a node that is down and no longer in the map leaves; the commands waiting
// in its queue (never written) come back with not_connected and are sent by the new map.
//
// mutex_ guards the map and the nodes, and is held while a command is handed to a node, so that
// ASKING and its command stay next to each other in that node's queue and no command reaches a node
// after destroy() took it. Nodes are made (and their handlers set) with it released. Replies come on the nodes' callbacks (each under its node's callback
// lock); user callbacks also take callback_mutex_, so that two nodes' callbacks never run at once.
// Lock order: a node's callback lock, callback_mutex_, mutex_, a node's own mutex.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "ipcxx/redis.hpp"
#include "redis/cluster_map.hpp"
#include "redis/redis_impl.hpp"
#include "runtime/io_thread.hpp"

namespace ipcxx::detail {

class RedisClusterImpl : public std::enable_shared_from_this<RedisClusterImpl> {
public:
    // `thread` is null when running on the caller's io_context.
    static std::shared_ptr<RedisClusterImpl> create(std::shared_ptr<IoThread> thread, asio::io_context& io,
                                                    RedisOptions options);

    void on_connect(std::function<void()> handler);
    void on_disconnect(std::function<void(std::error_code)> handler);
    void on_error(std::function<void(std::error_code, const std::string&)> handler);

    void command(std::vector<std::string> args, RedisReplyHandler on_reply);
    void eval(const RedisScript& script, std::vector<std::string> keys, std::vector<std::string> args,
              RedisReplyHandler on_reply);

    void connect();
    void close();
    void destroy();
    bool connected() const;
    bool on_io_thread() const noexcept;

private:
    // One command on its way, from node to node.
    struct Call {
        std::vector<std::string> args;        // a command, or the script's arguments
        std::optional<RedisScript> script;    // set for eval
        std::vector<std::string> keys;        // the script's keys
        std::optional<std::uint16_t> slot;
        RedisReplyHandler on_reply;
        std::size_t redirects = 0;
        bool in_transaction = false;          // never sent on: it would leave its MULTI
    };
    // A MULTI ... EXEC made on this client: every part goes to the node of its first keyed command.
    struct Transaction {
        std::vector<std::shared_ptr<Call>> waiting;  // the parts made before that command
        std::shared_ptr<RedisImpl> node;
    };

    RedisClusterImpl(std::shared_ptr<IoThread> thread, asio::io_context& io, RedisOptions options);
    void start();
    std::string seed_url() const;
    std::string url_of(const ClusterNode& node) const;
    // Without mutex_: the node of that URL, made if new; null once closed.
    std::shared_ptr<RedisImpl> ensure_node(const std::string& url, bool wire_now = false);
    void wire(const std::shared_ptr<RedisImpl>& node);  // forwards its events to ours
    void submit(const std::shared_ptr<Call>& call, const std::string& name);
    // Under mutex_.
    std::shared_ptr<RedisImpl> find_locked(const std::string& url) const;
    void connect_locked();
    std::string route_url_locked(const Call& call) const;
    std::shared_ptr<RedisImpl> route_locked(const Call& call);
    void send_locked(const std::shared_ptr<Call>& call, const std::shared_ptr<RedisImpl>& node, bool asking);
    void dispatch_locked(const std::shared_ptr<Call>& call, const std::string& name);
    void refresh_locked(const std::shared_ptr<RedisImpl>& node, const std::string& host);

    void on_reply(const std::shared_ptr<Call>& call, const std::weak_ptr<RedisImpl>& via, std::error_code ec,
                  RedisReply reply);
    void finish(const std::shared_ptr<Call>& call, std::error_code ec, RedisReply reply);
    void on_slots(std::error_code ec, const RedisReply& reply, const std::string& host);
    // The map watch (see the top of this file).
    void watch_map_locked();
    void check_map();
    bool map_stale_locked() const;
    // Under mutex_, after a map read: takes out the nodes that are down and that the map no longer
    // names (moving home_url_ to a node the map names if the home node is one of them).
    std::vector<std::shared_ptr<RedisImpl>> retire_locked();
    bool current_locked(const std::shared_ptr<RedisImpl>& node) const;
    bool named_by_map_locked(const std::string& url) const;
    void forward_connect();
    void forward_disconnect(std::error_code ec);
    void forward_error(std::error_code ec, const std::string& message);

    std::shared_ptr<IoThread> thread_;
    asio::io_context& io_;
    const RedisOptions options_;
    std::vector<std::string> seeds_;  // redis:// URLs; empty for a URL that does not parse

    mutable std::mutex mutex_;
    bool closed_ = false;
    bool map_requested_ = false;  // the seed was asked for the slot map (first command or connect())
    ClusterSlotMap map_;
    std::map<std::string, std::shared_ptr<RedisImpl>> nodes_;  // by redis:// URL
    bool refreshing_ = false;
    std::optional<Transaction> transaction_;
    std::shared_ptr<RedisImpl> refresh_node_;  // where the map read under way went
    std::string home_url_;
    std::shared_ptr<asio::steady_timer> map_timer_;
    bool map_watched_ = false;  // map_timer_ is waiting
    std::size_t next_seed_ = 1;  // the seed the next map read goes to when no node is up (the first was asked at start)

    std::recursive_mutex callback_mutex_;
    bool callbacks_closed_ = false;
    std::function<void()> on_connect_;
    std::function<void(std::error_code)> on_disconnect_;
    std::function<void(std::error_code, const std::string&)> on_error_;
};

}  // namespace ipcxx::detail
