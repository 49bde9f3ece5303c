#!/usr/bin/env bash
# Fails when the shared library $1 exports a symbol outside its ABI. Allowed:
# - ipcxx's own (functions, objects, type information and virtual tables in namespace ipcxx), of
#   ipcxx::detail only what the public headers' inline code calls or catches;
# - Asio's and the standard library's: their headers give their templates default visibility on
#   purpose, so that a process holds one copy of their statics (Asio's thread call stacks and error
#   categories, which must be the same on both sides of Client(asio::io_context&) and of the error
#   codes ipcxx reports), whatever -fvisibility says.
# Anything else, msgpack-c's and RapidJSON's included, must stay hidden.
set -euo pipefail
lib=$1
# Mangled names: the namespace is the first component after the special-name prefixes (typeinfo,
# vtable, guard variable, thread-local wrapper, thunk) and a local entity's Z; the standard library's is St
# or one of its abbreviations (Sa: std::allocator, Ss: std::string, ...); Asio's customisation
# points have namespaces of their own (asio_query_fn, ...).
mangled=$(nm -D --defined-only "$lib" | awk '{print $3}')
namespace='^_Z(T[ISVTWH]|GV|Thn[0-9]+_)?Z?(N[rVK]*)?'
foreign=$(grep -vE "${namespace}(5ipcxx|4asio|[0-9]+asio_|S[tabsiod])" <<<"$mangled" || true)
if [[ -n $foreign ]]; then
    echo "$lib exports symbols outside ipcxx, Asio and the standard library:" >&2
    c++filt <<<"$foreign" >&2
    exit 1
fi
detail=$(grep -E "${namespace}5ipcxx6detail" <<<"$mangled" | c++filt |
         grep -vE '^ipcxx::detail::(thread_pack_buffer|throw_conversion_failed)\(|^typeinfo (name )?for ipcxx::detail::ConversionFailure$' || true)
if [[ -n $detail ]]; then
    echo "$lib exports internals of ipcxx:" >&2
    echo "$detail" >&2
    exit 1
fi
count=$(grep -cE "${namespace}5ipcxx" <<<"$mangled" || true)
# Guards against a library that exports nothing at all.
if [[ $count -eq 0 ]]; then
    echo "$lib exports no ipcxx symbol" >&2
    exit 1
fi
echo "$lib: $count ipcxx symbols exported, no internals, nothing from other libraries but Asio and std"
