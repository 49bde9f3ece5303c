// Ipc: node-ipc's `ipc` object for C++ — one I/O thread shared by a server and any number of
// clients, found again by id with of(id).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "ipcxx/client.hpp"
#include "ipcxx/config.hpp"
#include "ipcxx/export.hpp"
#include "ipcxx/server.hpp"

namespace ipcxx {

namespace detail {
class IoThread;
}

/// node-ipc's `ipc` object: one I/O thread shared by a server and any number of clients, each
/// client found again by the id of the server it connects to.
///
/// Thread safety: every member is safe from any thread (the configuration included: it is read
/// and changed only through config(), set_config() and update_config(), under the Ipc's lock).
/// References returned stay valid until disconnect(id) for a client, and until the Ipc is
/// destroyed.
class IPCXX_API Ipc {
public:
    /// Starts the I/O thread; `config` is used for the servers and clients created afterwards.
    explicit Ipc(Config config = {});
    /// Disconnects every client and stops the server, lets their last events reach the handlers,
    /// then ends the I/O thread.
    ~Ipc();
    Ipc(const Ipc&) = delete;
    Ipc& operator=(const Ipc&) = delete;

    /// A copy of the configuration used for servers and clients created from now on.
    Config config() const;
    /// Replaces that configuration. Servers and clients that exist keep theirs; busy_poll is read
    /// once, by the constructor, for the I/O thread.
    void set_config(Config config);
    /// Edits the configuration in place, under the Ipc's lock (so `edit` must not call this Ipc).
    void update_config(const std::function<void(Config&)>& edit);

    /// As node-ipc's connectTo: creates the client `of(id)` (or returns the existing one, then
    /// neither `setup` nor a connection is made), calls `setup` with it before connecting over the
    /// Unix socket of server `id`, so handlers are in place for the first event.
    Client& connect_to(const std::string& id, const std::function<void(Client&)>& setup = {});
    /// The same over the Unix socket at `path`.
    Client& connect_to(const std::string& id, const std::string& path, const std::function<void(Client&)>& setup = {});
    /// As node-ipc's connectToNet: the same over TCP to `host`:`port`.
    Client& connect_to_net(const std::string& id, const std::string& host, std::uint16_t port,
                           const std::function<void(Client&)>& setup = {});
    /// The client connected to server `id`; throws ipcxx::Error(invalid_argument) when there is none.
    Client& of(const std::string& id);
    /// True while there is a client for server `id` (from connect_to until disconnect(id)).
    bool has(const std::string& id) const;
    /// Disconnects the client `id` for good and forgets it (nothing when there is none). Its last
    /// events (undelivered reports, disconnect, destroy) still reach its handlers; the client
    /// object is released after `destroy`. Safe from inside the client's own handlers.
    void disconnect(const std::string& id);

    /// As node-ipc's serve + server.start(): creates the server, calls `setup`, listens on its Unix
    /// socket (Server::serve). One server per Ipc: a second throws ipcxx::Error(invalid_argument).
    Server& serve(const std::function<void(Server&)>& setup = {});
    /// The same on the Unix socket at `path`.
    Server& serve(const std::string& path, const std::function<void(Server&)>& setup = {});
    /// As node-ipc's serveNet + server.start(): the same on TCP.
    Server& serve_net(const std::string& host, std::uint16_t port, const std::function<void(Server&)>& setup = {});
    /// serveNet(host, port, 'udp4' | 'udp6'): a UDP endpoint (Server::serve_net), or TCP.
    Server& serve_net(const std::string& host, std::uint16_t port, NetProtocol protocol,
                      const std::function<void(Server&)>& setup = {});
    /// The server; throws ipcxx::Error(invalid_argument) before serve().
    Server& server();

private:
    Client& add_client(const std::string& id, const std::function<void(Client&)>& setup,
                       const std::function<void(Client&)>& connect);
    Server& make_server(const std::function<void(Server&)>& setup);

    mutable std::mutex mutex_;  // guards config_, clients_ and server_
    Config config_;
    std::shared_ptr<detail::IoThread> thread_;
    std::map<std::string, std::unique_ptr<Client>> clients_;
    // Disconnected clients, kept until they have published `destroy`. Shared with the task that
    // releases each, which may run after this Ipc is gone.
    struct Retired {
        std::mutex mutex;
        std::map<const Client*, std::unique_ptr<Client>> clients;
    };
    std::shared_ptr<Retired> retired_ = std::make_shared<Retired>();
    std::unique_ptr<Server> server_;
};

}  // namespace ipcxx
