// producer: makes the queue (if it is not there) and sends COUNT jobs "job-1" ... into it, printing
// each job's message id. Jobs stay in Redis until a consumer finishes them.
// Usage: producer REDIS_URL QUEUE COUNT [VT_SECONDS]
#include <cstdlib>
#include <iostream>
#include <string>

#include <ipcxx/ipcxx.hpp>

int main(int argc, char** argv) {
    if (argc < 4) {
        std::cerr << "usage: producer REDIS_URL QUEUE COUNT [VT_SECONDS]\n";
        return 2;
    }
    ipcxx::RedisOptions redis;
    redis.url = argv[1];
    const std::string queue = argv[2];
    const int count = std::atoi(argv[3]);
    try {
        ipcxx::Rsmq rsmq(redis);
        ipcxx::RsmqQueueOptions options;
        options.qname = queue;
        // The visibility timeout: how long a job taken by a consumer that dies stays hidden.
        options.vt = argc > 4 ? std::atoll(argv[4]) : 30;
        try {
            rsmq.create_queue(options).get();
        } catch (const ipcxx::Error& e) {
            if (e.code() != ipcxx::errc::rsmq_queue_exists) throw;
        }
        for (int i = 1; i <= count; ++i) {
            const std::string id = rsmq.send_message(queue, "job-" + std::to_string(i)).get();
            std::cout << "{\"sent\":\"job-" << i << "\",\"id\":\"" << id << "\"}" << std::endl;
        }
    } catch (const std::exception& e) {
        std::cerr << "producer: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
