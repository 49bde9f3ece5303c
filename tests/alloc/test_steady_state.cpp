// The hot path allocates nothing per message once warm: counted with a global operator new.
// Its own program, since replacing operator new affects everything linked with it.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>

#include "support/fixtures.hpp"

namespace {
std::atomic<long> allocations{0};
}

void* operator new(std::size_t size) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size ? size : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

// Sends `count` events the server answers, and waits for every answer. Returns allocations made.
long round_trips(ipcxx::Client& client, std::atomic<int>& answered, int count) {
    const int target = answered.load() + count;
    const long before = allocations.load();
    for (int i = 0; i < count; ++i) {
        if (client.emit("ping", i)) return -1;
    }
    if (!test::eventually([&] { return answered.load() >= target; }, std::chrono::seconds(20))) return -1;
    return allocations.load() - before;
}

int run(ipcxx::Wire wire, const char* name) {
    test::TempDir dir;
    auto server_config = test::config_in(dir);
    ipcxx::Server server{server_config};
    server.on("ping", [](const ipcxx::Payload& data, ipcxx::Socket& from) { from.emit("pong", data.as<int>()); });
    server.serve();
    auto client_config = test::config_in(dir, "hello");
    client_config.wire = wire;
    ipcxx::Client client{client_config};
    std::atomic<int> answered{0};
    client.on("pong", [&](const ipcxx::Payload& data) {
        if (data.as<int>() >= 0) ++answered;
    });
    client.connect_to("world");
    if (!test::eventually([&] { return client.connected() && (wire == ipcxx::Wire::json || client.native()); })) {
        std::printf("%s: not connected\n", name);
        return 1;
    }
    round_trips(client, answered, 5000);  // warm-up: buffers and pools reach their sizes
    constexpr int measured = 20000;
    const long made = round_trips(client, answered, measured);
    // A few allocations may come from the waiting itself; what matters is none per message.
    const bool ok = made >= 0 && made < measured / 100;
    std::printf("%s wire: %ld allocations for %d round trips (%s)\n", name, made, measured, ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}

}  // namespace

int main() {
    const int failed = run(ipcxx::Wire::automatic, "native") + run(ipcxx::Wire::json, "json");
    std::printf("%d passed, %d failed\n", 2 - failed, failed);
    return failed == 0 ? 0 : 1;
}
