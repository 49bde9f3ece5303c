// `ipcxx rsmq ...`: one rsmq operation (or one send per stdin line) on a Redis server.
#include <cstdio>
#include <future>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <ipcxx/rsmq.hpp>

#include "error_names.hpp"
#include "input_lines.hpp"
#include "rsmq_command.hpp"
#include "rsmq_options.hpp"

namespace ipcxx_cli {
namespace rsmq_cli_command {

using ipcxx::RsmqError;

// Runs one operation given its callback form and waits for its end.
template <class T, class Start>
std::pair<RsmqError, T> await(Start start) {
    auto promise = std::make_shared<std::promise<std::pair<RsmqError, T>>>();
    auto future = promise->get_future();
    start([promise](const RsmqError& error, T value) { promise->set_value({error, std::move(value)}); });
    return future.get();
}

RsmqError await_done(const std::function<void(ipcxx::Rsmq::DoneHandler)>& start) {
    auto promise = std::make_shared<std::promise<RsmqError>>();
    auto future = promise->get_future();
    start([promise](const RsmqError& error) { promise->set_value(error); });
    return future.get();
}

void print(const std::string& line) {
    std::fputs((line + "\n").c_str(), stdout);
    std::fflush(stdout);
}

int failed(const std::string& command, const RsmqError& error) {
    std::fprintf(stderr, "ipcxx: rsmq %s: %s\n", command.c_str(), error_text(error.code, error.message).c_str());
    return 1;
}

const char* command_name(RsmqCommand c) {
    switch (c) {
        case RsmqCommand::create: return "create";
        case RsmqCommand::send: return "send";
        case RsmqCommand::receive: return "receive";
        case RsmqCommand::delete_message: return "delete";
        case RsmqCommand::pop: return "pop";
        case RsmqCommand::attrs: return "attrs";
        case RsmqCommand::list: return "list";
    }
    return "";
}

int send(ipcxx::Rsmq& rsmq, const RsmqCliOptions& o) {
    auto send_one = [&](const std::string& text) {
        auto [error, id] = await<std::string>(
            [&](ipcxx::Rsmq::IdHandler done) { rsmq.send_message(o.queue, text, o.delay, std::move(done)); });
        if (error) return failed("send", error);
        print("{\"id\":" + json_string(id) + "}");
        return 0;
    };
    if (o.has_argument) return send_one(o.argument);
    std::string line;
    int status = 0;
    while (std::getline(std::cin, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        // A refused line (too long, not UTF-8) is reported; the lines after it are still sent.
        if (send_one(line) != 0) status = 1;
    }
    return status;
}

int receive(ipcxx::Rsmq& rsmq, const RsmqCliOptions& o) {
    auto [error, message] = await<std::optional<ipcxx::RsmqMessage>>([&](ipcxx::Rsmq::MessageHandler done) {
        if (o.command == RsmqCommand::pop) return rsmq.pop_message(o.queue, std::move(done));
        if (!o.wait) return rsmq.receive_message(o.queue, o.vt, std::move(done));
        ipcxx::RsmqWaitOptions wait;
        wait.vt = o.vt;
        wait.timeout = *o.wait;
        rsmq.receive_message_wait(o.queue, wait, std::move(done));
    });
    if (error) return failed(command_name(o.command), error);
    if (!message) return 0;
    print(rsmq_message_line(*message));
    if (o.command == RsmqCommand::pop || o.keep) return 0;
    const std::string id = message->id;  // a structured binding cannot be captured in C++17
    auto [deleted_error, found] = await<bool>(
        [&](ipcxx::Rsmq::FoundHandler done) { rsmq.delete_message(o.queue, id, std::move(done)); });
    return deleted_error ? failed("receive", deleted_error) : 0;
}

int attrs(ipcxx::Rsmq& rsmq, const RsmqCliOptions& o) {
    auto [error, attributes] = await<ipcxx::RsmqQueueAttributes>([&](ipcxx::Rsmq::AttributesHandler done) {
        if (!o.vt && !o.delay && !o.maxsize) return rsmq.get_queue_attributes(o.queue, std::move(done));
        rsmq.set_queue_attributes(o.queue, {o.vt, o.delay, o.maxsize}, std::move(done));
    });
    if (error) return failed("attrs", error);
    print(rsmq_attributes_line(attributes));
    return 0;
}

int run(ipcxx::Rsmq& rsmq, const RsmqCliOptions& o) {
    switch (o.command) {
        case RsmqCommand::create: {
            ipcxx::RsmqQueueOptions queue;
            queue.qname = o.queue;
            queue.vt = o.vt.value_or(queue.vt);
            queue.delay = o.delay.value_or(queue.delay);
            queue.maxsize = o.maxsize.value_or(queue.maxsize);
            if (auto error = await_done([&](auto done) { rsmq.create_queue(queue, std::move(done)); })) {
                return failed("create", error);
            }
            print("{\"created\":" + json_string(o.queue) + "}");
            return 0;
        }
        case RsmqCommand::send: return send(rsmq, o);
        case RsmqCommand::receive:
        case RsmqCommand::pop: return receive(rsmq, o);
        case RsmqCommand::delete_message: {
            if (o.drop_queue) {
                if (auto error = await_done([&](auto done) { rsmq.delete_queue(o.queue, std::move(done)); })) {
                    return failed("delete", error);
                }
                print("{\"deleted\":" + json_string(o.queue) + "}");
                return 0;
            }
            auto [error, found] = await<bool>(
                [&](ipcxx::Rsmq::FoundHandler done) { rsmq.delete_message(o.queue, o.argument, std::move(done)); });
            if (error) return failed("delete", error);
            print(std::string("{\"deleted\":") + (found ? "true" : "false") + "}");
            return 0;
        }
        case RsmqCommand::attrs: return attrs(rsmq, o);
        case RsmqCommand::list: {
            auto [error, names] = await<std::vector<std::string>>(
                [&](ipcxx::Rsmq::NamesHandler done) { rsmq.list_queues(std::move(done)); });
            if (error) return failed("list", error);
            std::string line = "{\"queues\":[";
            for (std::size_t i = 0; i < names.size(); ++i) line += (i ? "," : "") + json_string(names[i]);
            print(line + "]}");
            return 0;
        }
    }
    return 1;
}

}  // namespace rsmq_cli_command

int run_rsmq(const std::vector<std::string>& args) {
    const RsmqParseResult parsed = parse_rsmq_options(args);
    if (parsed.help) {
        std::fputs(rsmq_usage_text, stdout);
        return 0;
    }
    if (!parsed.ok) {
        std::fprintf(stderr, "ipcxx: %s\nTry 'ipcxx rsmq --help' for more information.\n", parsed.error.c_str());
        return 2;
    }
    ipcxx::RedisOptions redis;
    redis.url = parsed.options.redis;
    // A tool gives up on an unreachable server instead of waiting for it forever.
    redis.connect_timeout = std::chrono::milliseconds(3000);
    redis.max_retries = 2;
    ipcxx::RsmqOptions options;
    options.ns = parsed.options.ns;
    options.realtime = parsed.options.realtime;
    ipcxx::Rsmq rsmq(redis, options);
    return rsmq_cli_command::run(rsmq, parsed.options);
}

}  // namespace ipcxx_cli
