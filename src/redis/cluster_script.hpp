// Scripts for a cluster (socket-free): some scripts (rsmq's) pass values that are not keys in KEYS,
// which a cluster refuses (CROSSSLOT, or MOVED for the value's "slot"). Their variant takes those
// values in ARGV instead.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ipcxx::detail {

// `text` with KEYS[n] for n > keys_kept read as ARGV[n - keys_kept]; empty when the text already
// uses ARGV (its numbering would clash) or has nothing to move.
std::string cluster_script_variant(std::string_view text, std::size_t keys_kept);

// The arguments for that variant: the first `keys_kept` keys stay keys, the rest go before `args`.
void move_keys_to_args(std::vector<std::string>& keys, std::vector<std::string>& args, std::size_t keys_kept);

}  // namespace ipcxx::detail
