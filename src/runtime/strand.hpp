// The strand type every connection, client and handler lane runs on: one name for it in every
// layer, so that none needs the connection's header for it.
#pragma once

#include <asio/io_context.hpp>
#include <asio/strand.hpp>

namespace ipcxx::detail {

using Strand = asio::strand<asio::io_context::executor_type>;

}  // namespace ipcxx::detail
