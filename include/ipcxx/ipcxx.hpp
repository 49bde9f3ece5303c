// ipcxx: node-ipc for C++. Include this header for the whole public API.
#pragma once

#include "ipcxx/child_process.hpp"
#include "ipcxx/client.hpp"
#include "ipcxx/config.hpp"
#include "ipcxx/error.hpp"
#include "ipcxx/handlers.hpp"
#include "ipcxx/ipc.hpp"
#include "ipcxx/payload.hpp"
#include "ipcxx/shared_bytes.hpp"
#include "ipcxx/server.hpp"
#include "ipcxx/socket.hpp"
#include "ipcxx/channel.hpp"
#include "ipcxx/worker_pool.hpp"
#include "ipcxx/json_lines.hpp"
#include "ipcxx/channel_serialization.hpp"
#include "ipcxx/redis.hpp"
#include "ipcxx/redis_subscriber.hpp"
