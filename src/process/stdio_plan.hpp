// The descriptors a spawn hands to the child, one per stdio slot, and the parent's ends of its pipes.
#pragma once

#include <system_error>
#include <vector>

#include "ipcxx/spawn_options.hpp"

namespace ipcxx::detail {

// Every descriptor here is close-on-exec and numbered at or above the slot count, so that moving
// them into place (dup2 to 0, 1, ...) never overwrites one not moved yet, and none reaches the
// child unless moved.
class StdioPlan {
public:
    StdioPlan() = default;
    ~StdioPlan();
    StdioPlan(const StdioPlan&) = delete;
    StdioPlan& operator=(const StdioPlan&) = delete;

    // Opens what `slots` ask for; an error names the failed call's errno.
    std::error_code open(const std::vector<StdioSlot>& slots);

    std::size_t size() const { return child_.size(); }
    // What the child gets at descriptor `slot`, or -1: closed in the child.
    int child_source(std::size_t slot) const { return child_[slot]; }
    // The parent's end of slot's pipe (ownership passes to the caller), or -1.
    int take_parent_end(std::size_t slot);

private:
    std::vector<int> child_;
    std::vector<int> parent_;
};

}  // namespace ipcxx::detail
