#include "ipcxx/ipc.hpp"

#include <asio/post.hpp>

#include "ipcxx/detail/shared_io.hpp"
#include "ipcxx/error.hpp"
#include "runtime/io_thread.hpp"

namespace ipcxx {

Ipc::Ipc(Config cfg) : config_(std::move(cfg)), thread_(detail::IoThread::start(config_.busy_poll)) {}

Config Ipc::config() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return config_;
}

void Ipc::set_config(Config config) {
    std::lock_guard<std::mutex> lock(mutex_);
    config_ = std::move(config);
}

void Ipc::update_config(const std::function<void(Config&)>& edit) {
    std::lock_guard<std::mutex> lock(mutex_);
    edit(config_);
}

Ipc::~Ipc() {
    std::map<std::string, std::unique_ptr<Client>> clients;
    std::map<const Client*, std::unique_ptr<Client>> retired;
    std::unique_ptr<Server> server;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        clients.swap(clients_);
        server.swap(server_);
    }
    {
        std::lock_guard<std::mutex> lock(retired_->mutex);
        retired.swap(retired_->clients);
    }
    // Shut everything down and let the thread run it to the end, so that the final events
    // (undelivered reports, destroy) reach the handlers; then release the objects.
    for (auto& entry : clients) entry.second->disconnect();
    if (server) server->stop();
    if (!thread_->in_this_thread()) thread_->finish();
    clients.clear();
    retired.clear();
    server.reset();
    thread_->finish();
}

Client& Ipc::add_client(const std::string& id, const std::function<void(Client&)>& setup,
                        const std::function<void(Client&)>& connect) {
    std::unique_lock<std::mutex> lock(mutex_);
    auto it = clients_.find(id);
    if (it != clients_.end()) return *it->second;
    auto client = std::unique_ptr<Client>(new Client(detail::SharedIo{thread_->context(), thread_}, config_));
    Client& ref = *client;
    clients_.emplace(id, std::move(client));
    lock.unlock();
    if (setup) setup(ref);
    connect(ref);
    return ref;
}

Client& Ipc::connect_to(const std::string& id, const std::function<void(Client&)>& setup) {
    return add_client(id, setup, [&](Client& c) { c.connect_to(id); });
}

Client& Ipc::connect_to(const std::string& id, const std::string& path, const std::function<void(Client&)>& setup) {
    return add_client(id, setup, [&](Client& c) { c.connect_to(id, path); });
}

Client& Ipc::connect_to_net(const std::string& id, const std::string& host, std::uint16_t port,
                            const std::function<void(Client&)>& setup) {
    return add_client(id, setup, [&](Client& c) { c.connect_to_net(id, host, port); });
}

Client& Ipc::of(const std::string& id) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = clients_.find(id);
    if (it == clients_.end()) {
        throw Error(make_error_code(errc::invalid_argument), "no client connected to '" + id + "'");
    }
    return *it->second;
}

bool Ipc::has(const std::string& id) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return clients_.count(id) != 0;
}

void Ipc::disconnect(const std::string& id) {
    std::unique_ptr<Client> client;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = clients_.find(id);
        if (it == clients_.end()) return;
        client = std::move(it->second);
        clients_.erase(it);
    }
    const Client* key = client.get();
    Client& ref = *client;
    // Held until disconnect() is called: the release below cannot run before.
    std::lock_guard<std::mutex> lock(retired_->mutex);
    // Released by a task of its own: `destroy` may be published from inside one of the client's
    // handlers (one that called this), where the client must not be destroyed yet.
    ref.once("destroy", [weak = std::weak_ptr<Retired>(retired_), key, &io = thread_->context()] {
        asio::post(io, [weak, key] {
            const auto retired = weak.lock();
            if (!retired) return;
            std::unique_ptr<Client> finished;
            {
                std::lock_guard<std::mutex> lock(retired->mutex);
                auto it = retired->clients.find(key);
                if (it == retired->clients.end()) return;
                finished = std::move(it->second);
                retired->clients.erase(it);
            }
        });
    });
    retired_->clients.emplace(key, std::move(client));
    ref.disconnect();
}

Server& Ipc::make_server(const std::function<void(Server&)>& setup) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (server_) {
        throw Error(make_error_code(errc::invalid_argument), "this Ipc already has a server");
    }
    server_ = std::unique_ptr<Server>(new Server(detail::SharedIo{thread_->context(), thread_}, config_));
    Server& ref = *server_;
    lock.unlock();
    if (setup) setup(ref);
    return ref;
}

Server& Ipc::serve(const std::function<void(Server&)>& setup) {
    Server& s = make_server(setup);
    s.serve();
    return s;
}

Server& Ipc::serve(const std::string& path, const std::function<void(Server&)>& setup) {
    Server& s = make_server(setup);
    s.serve(path);
    return s;
}

Server& Ipc::serve_net(const std::string& host, std::uint16_t port, const std::function<void(Server&)>& setup) {
    return serve_net(host, port, NetProtocol::tcp, setup);
}

Server& Ipc::serve_net(const std::string& host, std::uint16_t port, NetProtocol protocol,
                       const std::function<void(Server&)>& setup) {
    Server& s = make_server(setup);
    s.serve_net(host, port, protocol);
    return s;
}

Server& Ipc::server() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!server_) throw Error(make_error_code(errc::invalid_argument), "serve() has not been called");
    return *server_;
}

}  // namespace ipcxx
