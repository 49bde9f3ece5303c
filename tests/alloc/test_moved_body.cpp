// A large std::string body moved into emit is queued without a copy: counted with a global
// operator new, no block of the body's size is allocated while such emits are made (a copy needs
// one: the queue keeps the copied message while the server holds back its reading). Its own
// program, since replacing operator new affects everything linked with it.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <new>
#include <string>
#include <tuple>

#include "support/fixtures.hpp"

namespace {
constexpr std::size_t body_size = 1u << 20;
std::atomic<long> large_allocations{0};
// Only the emitting thread's allocations count (the server in this process allocates a large
// message's memory as it reads it).
thread_local bool counting = false;
}  // namespace

void* operator new(std::size_t size) {
    if (counting && size >= body_size) large_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size ? size : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

int run() {
    test::TempDir dir;
    std::promise<void> release;
    auto released = release.get_future().share();
    std::atomic<int> received{0};
    ipcxx::Server server{test::config_in(dir)};
    server.on("m", [&](const ipcxx::Payload&) {
        released.wait();  // nothing more is read meanwhile: what the client emits stays queued
        ++received;
    });
    server.serve();
    ipcxx::Client client{test::config_in(dir, "hello")};
    client.connect_to("world");
    if (!test::eventually([&] { return client.connected() && client.native(); })) {
        std::printf("not connected\n");
        release.set_value();
        return 1;
    }
    constexpr int moved = 6;
    std::string bodies[moved + 1];
    for (auto& body : bodies) body.assign(body_size, 'x');  // made before counting
    counting = true;

    const long before = large_allocations.load();
    for (int i = 0; i < moved; ++i) {
        if (client.emit("m", std::make_tuple(i, std::move(bodies[i])))) {
            std::printf("emit %d refused\n", i);
            release.set_value();
            return 1;
        }
    }
    const long for_moved = large_allocations.load() - before;
    // A body the caller copies is a block of its size: the count sees it. (A body emitted as a
    // const value is lent, and copied only if unwritten after a while, by whichever thread finds it.)
    const long before_copy = large_allocations.load();
    const bool copied_refused = static_cast<bool>(client.emit("m", std::make_tuple(moved, std::string(bodies[moved]))));
    const long for_copy = large_allocations.load() - before_copy;
    counting = false;
    release.set_value();
    const bool all_received = test::eventually([&] { return received.load() == moved + 1; });

    const bool ok = for_moved == 0 && for_copy >= 1 && !copied_refused && all_received;
    std::printf("%ld blocks of 1 MiB or more for %d moved bodies, %ld for one copied, %d received (%s)\n", for_moved,
                moved, for_copy, received.load(), ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}

}  // namespace

int main() { return run(); }
