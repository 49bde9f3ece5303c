// Hash tags for the cluster tests: a tag whose slot a given master serves.
#pragma once

#include <catch2/catch.hpp>

#include <cstddef>
#include <string>

#include "redis/cluster_slots.hpp"
#include "support/redis_cluster.hpp"

namespace test {

// A key of the given hash tag whose slot is served by master `index` (the first tag `<prefix>N` found).
inline std::string tag_on(RedisCluster& cluster, std::size_t index, const std::string& prefix) {
    for (int n = 0; n < 10000; ++n) {
        const std::string tag = prefix + std::to_string(n);
        if (cluster.owner(ipcxx::detail::cluster_key_slot(tag)) == index) return tag;
    }
    FAIL("no tag found on master " << index);
    return {};
}

}  // namespace test
