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
#include "ipcxx/server.hpp"

namespace ipcxx {

namespace detail {
class IoThread;
}

// Thread safety: every member is safe from any thread. References returned stay valid until
// disconnect(id) for a client, and until the Ipc is destroyed.
class Ipc {
public:
    explicit Ipc(Config config = {});
    ~Ipc();
    Ipc(const Ipc&) = delete;
    Ipc& operator=(const Ipc&) = delete;

    // The configuration used for servers and clients created from now on (a copy). Changing it
    // affects none that exist. busy_poll is read once, by the constructor, for the I/O thread.
    Config config() const;
    void set_config(Config config);
    // Edits the configuration in place, under the same lock as config() / set_config().
    void update_config(const std::function<void(Config&)>& edit);

    // As node-ipc's connectTo / connectToNet: creates the client `of(id)` (or returns the existing
    // one), calls `setup` with it before connecting, so handlers are in place for the first event.
    Client& connect_to(const std::string& id, const std::function<void(Client&)>& setup = {});
    Client& connect_to(const std::string& id, const std::string& path, const std::function<void(Client&)>& setup = {});
    Client& connect_to_net(const std::string& id, const std::string& host, std::uint16_t port,
                           const std::function<void(Client&)>& setup = {});
    // The client connected to server `id`; throws ipcxx::Error(invalid_argument) when there is none.
    Client& of(const std::string& id);
    bool has(const std::string& id) const;
    // Disconnects the client `id` for good and forgets it. Its last events (undelivered reports,
    // disconnect, destroy) still reach its handlers; the client object is released after `destroy`.
    // Safe from inside the client's own handlers.
    void disconnect(const std::string& id);

    // As node-ipc's serve / serveNet + server.start(): creates the server, calls `setup`, listens.
    Server& serve(const std::function<void(Server&)>& setup = {});
    Server& serve(const std::string& path, const std::function<void(Server&)>& setup = {});
    Server& serve_net(const std::string& host, std::uint16_t port, const std::function<void(Server&)>& setup = {});
    // serveNet(host, port, 'udp4' | 'udp6'): a UDP endpoint (Server::serve_net).
    Server& serve_net(const std::string& host, std::uint16_t port, NetProtocol protocol,
                      const std::function<void(Server&)>& setup = {});
    // The server; throws ipcxx::Error(invalid_argument) before serve().
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
