// The std::future form of requests, shared by Client and Server.
#pragma once

#include <future>
#include <memory>
#include <string_view>
#include <utility>

#include "ipcxx/error.hpp"
#include "ipcxx/payload.hpp"
#include "ipcxx/request.hpp"

namespace ipcxx::detail {

// The std::future form of a request: resolves to the response's data, or throws ipcxx::Error.
inline std::pair<ResponseHandler, std::future<Payload>> future_response() {
    auto promise = std::make_shared<std::promise<Payload>>();
    auto future = promise->get_future();
    ResponseHandler handler = [promise](const Response& response) {
        if (response) {
            promise->set_value(response.data);
        } else {
            promise->set_exception(std::make_exception_ptr(Error(response.error, response.message)));
        }
    };
    return {std::move(handler), std::move(future)};
}
// A future-form request refused on the I/O thread: its future holds Error(would_deadlock).
std::future<Payload> would_deadlock_future(std::string_view event);

}  // namespace ipcxx::detail
