// consumer: takes jobs from the queue one at a time and deletes each only once it is done, so a
// consumer that dies mid-job (kill -9) loses nothing: its job reappears after the queue's visibility
// timeout and another consumer does it. Waits for jobs with the blocking receive (an ipcxx
// extension: no fixed-rate polling). Prints {"consumer","job","rc","event":"start"|"done"} lines
// ("done" once the job is deleted).
// A "job" takes WORK_MS milliseconds (a stand-in for real work).
// Usage: consumer REDIS_URL QUEUE NAME [WORK_MS]     (runs until SIGINT / SIGTERM)
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include <ipcxx/ipcxx.hpp>

int main(int argc, char** argv) {
    if (argc < 4) {
        std::cerr << "usage: consumer REDIS_URL QUEUE NAME [WORK_MS]\n";
        return 2;
    }
    ipcxx::RedisOptions redis;
    redis.url = argv[1];
    const std::string queue = argv[2];
    const std::string name = argv[3];
    const auto work = std::chrono::milliseconds(argc > 4 ? std::atoll(argv[4]) : 100);
    try {
        ipcxx::RsmqOptions options;
        ipcxx::Rsmq rsmq(redis, options);
        ipcxx::RsmqWaitOptions wait;
        wait.timeout = std::chrono::seconds(5);
        for (;;) {
            auto job = rsmq.receive_message_wait(queue, wait).get();
            if (!job) continue;  // nothing for 5 s: wait again
            auto line = [&](const char* event) {
                std::cout << "{\"consumer\":\"" << name << "\",\"job\":\"" << job->message << "\",\"rc\":" << job->rc
                          << ",\"event\":\"" << event << "\"}" << std::endl;
            };
            line("start");
            std::this_thread::sleep_for(work);
            rsmq.delete_message(queue, job->id).get();  // only now is the job gone from the queue
            line("done");
        }
    } catch (const std::exception& e) {
        std::cerr << "consumer " << name << ": " << e.what() << "\n";
        return 1;
    }
}
