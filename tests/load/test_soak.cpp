// A bounded soak: clients connect, send, disconnect, are destroyed, and client processes are killed,
// in a random order (seeded; the seed is printed, IPCXX_SOAK_SEED replays one), while the server
// broadcasts. At the end every message a client accepted is received or reported undelivered, the
// clients that stayed saw every broadcast and every answer, and the server's file descriptors and
// memory are back at their baseline. IPCXX_SOAK_SECONDS sets the length (default 60).
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "load/process_stats.hpp"
#include "support/child_process.hpp"
#include "support/fixtures.hpp"
#include "support/pair.hpp"

using namespace std::chrono_literals;
using test::Transport;

namespace {

long env_or(const char* name, long fallback) {
    const char* value = std::getenv(name);
    return value && *value ? std::strtol(value, nullptr, 10) : fallback;
}

// The sanitizers keep freed memory (quarantine) and shadow memory for good, so resident memory
// says nothing under them; LeakSanitizer checks for leaks there instead.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool rss_meaningful = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool rss_meaningful = false;
#else
constexpr bool rss_meaningful = true;
#endif
#else
constexpr bool rss_meaningful = true;
#endif

// Counts per in-process client number, shared by the server's and the clients' handlers.
struct Ledger {
    std::mutex mutex;
    std::map<int, long> accepted, received, undelivered;
    std::map<int, long> answers_sent, answers_received;  // server → client "a", for stable clients
    std::map<int, long> last_broadcast;                  // the last broadcast each stable client got
    std::map<int, long> broadcast_gaps;                  // broadcasts out of sequence, per stable client
    std::map<int, std::string> ended_by;                 // how each transient client went

    void add(std::map<int, long>& to, int client, long n = 1) {
        std::lock_guard<std::mutex> lock(mutex);
        to[client] += n;
    }
};

// One in-process client, with its accounting wired in.
std::unique_ptr<ipcxx::Client> make_client(const test::TempDir& dir, Ledger& ledger, int number, bool stable) {
    auto config = test::config_in(dir, "c" + std::to_string(number));
    auto client = std::make_unique<ipcxx::Client>(config);
    client->on("error", [&ledger, number](const ipcxx::ErrorEvent& e) {
        if (e.code == ipcxx::errc::undelivered) ledger.add(ledger.undelivered, number, static_cast<long>(e.undelivered));
    });
    if (stable) {
        client->on("a", [&ledger, number] { ledger.add(ledger.answers_received, number); });
        client->on("b", [&ledger, number](const ipcxx::Payload& d) {
            std::lock_guard<std::mutex> lock(ledger.mutex);
            auto last = ledger.last_broadcast.try_emplace(number, -1).first;
            if (d.as<long>() != last->second + 1) ++ledger.broadcast_gaps[number];
            last->second = d.as<long>();
        });
    }
    return client;
}

// Answers every "m" (whose data is the sender's number) with "a", counting both.
void count_and_answer(ipcxx::Server& server, Ledger& ledger) {
    server.on("m", [&ledger](const ipcxx::Payload& d, ipcxx::Socket& from) {
        const int number = d.as<int>();
        ledger.add(ledger.received, number);
        if (!from.emit("a")) ledger.add(ledger.answers_sent, number);
    });
}

}  // namespace

TEST_CASE("soak: clients come, send, go and die in random order while the server broadcasts", "[load][soak]") {
    const unsigned seed = static_cast<unsigned>(env_or("IPCXX_SOAK_SEED", std::random_device{}()));
    const auto duration = std::chrono::seconds(env_or("IPCXX_SOAK_SECONDS", 60));
    std::printf("soak seed %u (IPCXX_SOAK_SEED=%u replays it), %lld s\n", seed, seed,
                static_cast<long long>(duration.count()));
    std::fflush(stdout);
    INFO("seed " << seed);
    std::mt19937 random(seed);
    auto between = [&](int low, int high) { return std::uniform_int_distribution<int>(low, high)(random); };
    auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(random); };

    test::TempDir dir;
    Ledger ledger;
    std::atomic<long> process_messages{0};
    auto server_config = test::config_in(dir);
    server_config.max_connections = 1000;
    // The same server program on both transports.
    ipcxx::Server tcp_server{server_config};
    ipcxx::Server unix_server{server_config};
    for (auto* server : {&tcp_server, &unix_server}) {
        count_and_answer(*server, ledger);
        server->on("n", [&] { ++process_messages; });  // from test_peer processes
    }
    tcp_server.serve_net("127.0.0.1", 0);
    unix_server.serve();
    const auto transport_of = [](int number) { return number % 2 ? Transport::tcp : Transport::unix_socket; };

    // Clients that stay for the whole soak, on both transports: they must miss nothing.
    constexpr int stable_count = 4;
    std::vector<std::unique_ptr<ipcxx::Client>> stable;
    for (int number = 0; number < stable_count; ++number) {
        auto client = make_client(dir, ledger, number, true);
        test::connect(*client, transport_of(number), tcp_server.port());
        stable.push_back(std::move(client));
    }
    const auto open_sockets = [&] { return tcp_server.sockets().size() + unix_server.sockets().size(); };
    REQUIRE(test::eventually([&] { return open_sockets() == stable_count; }));
    const std::size_t fds_baseline = test::open_fds();
    const std::size_t rss_baseline = test::resident_bytes();

    // Broadcasts, never more than a window ahead of the slowest stable client (a client that does
    // not keep up would have broadcasts refused with queue_full, which is no loss but no test).
    std::atomic<bool> stop_broadcasting{false};
    std::atomic<bool> stable_fell_behind{false};
    std::atomic<long> last_broadcast{-1};
    const auto slowest_stable = [&] {
        std::lock_guard<std::mutex> lock(ledger.mutex);
        long slowest = -1;
        for (int n = 0; n < stable_count; ++n) {
            const auto seen = ledger.last_broadcast.find(n);
            const long got = seen == ledger.last_broadcast.end() ? -1 : seen->second;
            slowest = n == 0 ? got : std::min(slowest, got);
        }
        return slowest;
    };
    std::thread broadcaster([&] {
        for (long i = 0; i < 100'000'000 && !stop_broadcasting; ++i) {
            if (i % 256 == 0 && !test::eventually([&] { return slowest_stable() >= i - 512; }, 20s)) {
                stable_fell_behind = true;
                return;
            }
            // Errors here concern connections closing or full; the stable ones get every broadcast.
            tcp_server.broadcast("b", i);
            unix_server.broadcast("b", i);
            last_broadcast = i;
        }
    });

    const auto burst = [&](int number, ipcxx::Client& client) {
        const int count = between(1, 200);
        long accepted = 0;
        for (int i = 0; i < count; ++i) accepted += client.emit("m", number) ? 0 : 1;
        ledger.add(ledger.accepted, number, accepted);
    };
    std::vector<std::pair<int, std::unique_ptr<ipcxx::Client>>> transient;
    // disconnect() then the destructor, or the destructor alone.
    const auto end_transient = [&](std::pair<int, std::unique_ptr<ipcxx::Client>>& entry) {
        const bool disconnect = between(0, 1);
        {
            std::lock_guard<std::mutex> lock(ledger.mutex);
            ledger.ended_by[entry.first] = disconnect ? "disconnect()" : "destructor";
        }
        if (disconnect) entry.second->disconnect();
        entry.second.reset();
    };
    std::vector<std::unique_ptr<test::ChildProcess>> processes;
    int next_number = stable_count;
    long actions = 0, clients_created = 0, processes_started = 0, processes_killed = 0;
    const auto end = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < end && actions < 10'000'000) {
        ++actions;
        switch (between(0, 9)) {
        case 0:
        case 1:
            if (transient.size() < 30) {
                // Both transports: ending a client flushes and waits for the server to close, so
                // even over TCP, where closing with unread input resets the link, nothing is lost.
                const int number = next_number++;
                auto client = make_client(dir, ledger, number, false);
                test::connect(*client, transport_of(number), tcp_server.port());
                transient.emplace_back(number, std::move(client));
                ++clients_created;
            }
            break;
        case 2:
        case 3:
            if (!transient.empty()) {
                auto& [number, client] = transient[pick(transient.size())];
                burst(number, *client);
            }
            break;
        case 4: {
            const int number = between(0, stable_count - 1);
            burst(number, *stable[static_cast<std::size_t>(number)]);
            break;
        }
        case 5:
        case 6:
            if (!transient.empty()) {
                const auto victim = transient.begin() + static_cast<long>(pick(transient.size()));
                end_transient(*victim);
                transient.erase(victim);
            }
            break;
        case 7:
            if (processes.size() < 6) {
                processes.push_back(std::make_unique<test::ChildProcess>(std::vector<std::string>{
                    IPCXX_TEST_PEER, "client", "127.0.0.1", std::to_string(tcp_server.port()),
                    "p" + std::to_string(processes_started++)}));
                processes.back()->send("send " + std::to_string(between(1, 2000)));
            }
            break;
        case 8:
            if (!processes.empty()) {
                processes.erase(processes.begin() + static_cast<long>(pick(processes.size())));  // SIGKILL
                ++processes_killed;
            }
            break;
        default:
            if (!processes.empty()) processes[pick(processes.size())]->send("send " + std::to_string(between(1, 2000)));
            break;
        }
    }
    stop_broadcasting = true;
    broadcaster.join();
    REQUIRE_FALSE(stable_fell_behind);
    for (auto& entry : transient) end_transient(entry);
    transient.clear();
    processes_killed += static_cast<long>(processes.size());
    processes.clear();
    std::printf("soak: %ld actions, %ld clients created, %ld client processes killed, %ld broadcasts, %ld messages "
                "from processes\n",
                actions, clients_created, processes_killed, last_broadcast.load() + 1, process_messages.load());

    // Everything accepted was received or reported undelivered.
    const auto balanced = [&] {
        std::lock_guard<std::mutex> lock(ledger.mutex);
        for (const auto& [number, accepted] : ledger.accepted) {
            if (ledger.received[number] + ledger.undelivered[number] != accepted) return false;
        }
        return true;
    };
    if (!test::eventually(balanced, 30s)) {
        std::lock_guard<std::mutex> lock(ledger.mutex);
        int shown = 0;
        for (const auto& [number, accepted] : ledger.accepted) {
            const long received = ledger.received[number], undelivered = ledger.undelivered[number];
            if (received + undelivered == accepted || ++shown > 20) continue;
            UNSCOPED_INFO("client " << number << (number < stable_count ? " (stable)" : "") << ", ended by "
                                    << ledger.ended_by[number]
                                    << ": accepted " << accepted << ", received " << received << ", undelivered "
                                    << undelivered);
        }
        FAIL_CHECK("messages lost without a report");
    }
    // The stable clients got every answer and every broadcast.
    CHECK(test::eventually(
        [&] {
            std::lock_guard<std::mutex> lock(ledger.mutex);
            for (int n = 0; n < stable_count; ++n) {
                if (ledger.answers_received[n] != ledger.answers_sent[n]) return false;
                if (ledger.broadcast_gaps[n] != 0 || ledger.last_broadcast[n] != last_broadcast) return false;
            }
            return true;
        },
        30s));
    {
        std::lock_guard<std::mutex> lock(ledger.mutex);
        long accepted = 0, received = 0, undelivered = 0;
        for (const auto& [number, n] : ledger.accepted) accepted += n;
        for (const auto& [number, n] : ledger.received) received += n;
        for (const auto& [number, n] : ledger.undelivered) undelivered += n;
        std::printf("soak: clients' messages: %ld accepted = %ld received + %ld reported undelivered\n", accepted,
                    received, undelivered);
    }

    // Only the stable clients' connections are left, and the process is back at its baseline.
    CHECK(test::eventually([&] { return open_sockets() == stable_count; }, 30s));
    CHECK(test::eventually([&] { return test::open_fds() == fds_baseline; }, 30s));
    const std::size_t rss_end = test::resident_bytes();
    std::printf("soak: file descriptors %zu at the baseline, %zu at the end; resident memory %.1f MiB at the "
                "baseline, %.1f MiB at the end\n",
                fds_baseline, test::open_fds(), rss_baseline / 1048576.0, rss_end / 1048576.0);
    if (rss_meaningful) {
        // Allocators keep some freed memory; a leak per client or message would exceed this.
        CHECK(rss_end <= rss_baseline + std::max<std::size_t>(32u << 20, rss_baseline / 2));
    }
}
