// Which worker gets a distributed request: the least busy of those that handle its event.
#include <catch2/catch.hpp>

#include "server/work_distribution.hpp"

using ipcxx::detail::pick_worker;
using ipcxx::detail::Worker;

namespace {

Worker worker(std::uint64_t serial, std::vector<std::string> handles, std::size_t in_flight = 0,
              std::uint64_t last_given = 0) {
    Worker w;
    w.serial = serial;
    w.handles = std::move(handles);
    w.in_flight = in_flight;
    w.last_given = last_given;
    return w;
}

}  // namespace

TEST_CASE("the worker with the fewest requests in flight gets the next one", "[distribute]") {
    const std::vector<Worker> workers = {worker(1, {"job"}, 3), worker(2, {"job"}, 1), worker(3, {"job"}, 2)};
    CHECK(pick_worker(workers, "job") == 2u);
}

TEST_CASE("among equally busy workers, the one given work longest ago", "[distribute]") {
    const std::vector<Worker> workers = {worker(1, {"job"}, 1, 9), worker(2, {"job"}, 1, 4), worker(3, {"job"}, 1, 7)};
    CHECK(pick_worker(workers, "job") == 2u);
}

TEST_CASE("only workers that handle the event, or every event, are picked", "[distribute]") {
    const std::vector<Worker> workers = {worker(1, {"other"}), worker(2, {"job", "x"}, 5), worker(3, {"*"}, 6)};
    CHECK(pick_worker(workers, "job") == 2u);
    CHECK(pick_worker(workers, "anything") == 3u);
    CHECK_FALSE(pick_worker({worker(1, {"other"})}, "job"));
    CHECK_FALSE(pick_worker({}, "job"));
}

TEST_CASE("a worker whose connection failed this request is passed over", "[distribute]") {
    const std::vector<Worker> workers = {worker(1, {"job"}), worker(2, {"job"}, 4)};
    CHECK(pick_worker(workers, "job", {1}) == 2u);
    CHECK_FALSE(pick_worker(workers, "job", {1, 2}));
}
