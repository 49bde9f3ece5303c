// IPCXX_API marks what a shared libipcxx exports. The library is compiled with hidden visibility,
// so that its internals, msgpack-c and RapidJSON stay private to it and ipcxx's public API is its
// ABI (Asio and the standard library keep the default visibility their headers ask for: see
// docs/building.md). CMake defines IPCXX_SHARED for a shared build and for
// everything linking it (pkg-config's Cflags too), so a consumer sees the same visibility of the
// exported classes' type information as the library. A static library needs no marks.
#pragma once

#if defined(IPCXX_SHARED)
#define IPCXX_API __attribute__((visibility("default")))
#else
#define IPCXX_API
#endif
