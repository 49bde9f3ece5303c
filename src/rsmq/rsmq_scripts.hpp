// The Lua scripts of the queues. The first three are rsmq 0.12.4's (MIT licence, smrchy/rsmq),
// byte for byte, tabs included: Redis caches scripts by the SHA1 of their text, so rsmq and ipcxx
// run the same cached scripts on a shared server. The fourth is an ipcxx extension.
#pragma once

#include <string_view>

namespace ipcxx::detail::rsmq {

// KEYS: queue key, now (ms). Returns {} or {id, body, rc, fr} and removes the message.
inline constexpr std::string_view pop_message_script =
    "local msg = redis.call(\"ZRANGEBYSCORE\", KEYS[1], \"-inf\", KEYS[2], \"LIMIT\", \"0\", \"1\")\n"
    "\t\t\tif #msg == 0 then\n"
    "\t\t\t\treturn {}\n"
    "\t\t\tend\n"
    "\t\t\tredis.call(\"HINCRBY\", KEYS[1] .. \":Q\", \"totalrecv\", 1)\n"
    "\t\t\tlocal mbody = redis.call(\"HGET\", KEYS[1] .. \":Q\", msg[1])\n"
    "\t\t\tlocal rc = redis.call(\"HINCRBY\", KEYS[1] .. \":Q\", msg[1] .. \":rc\", 1)\n"
    "\t\t\tlocal o = {msg[1], mbody, rc}\n"
    "\t\t\tif rc==1 then\n"
    "\t\t\t\ttable.insert(o, KEYS[2])\n"
    "\t\t\telse\n"
    "\t\t\t\tlocal fr = redis.call(\"HGET\", KEYS[1] .. \":Q\", msg[1] .. \":fr\")\n"
    "\t\t\t\ttable.insert(o, fr)\n"
    "\t\t\tend\n"
    "\t\t\tredis.call(\"ZREM\", KEYS[1], msg[1])\n"
    "\t\t\tredis.call(\"HDEL\", KEYS[1] .. \":Q\", msg[1], msg[1] .. \":rc\", msg[1] .. \":fr\")\n"
    "\t\t\treturn o";

// KEYS: queue key, now (ms), now + vt (ms). Returns {} or {id, body, rc, fr}; hides the message.
inline constexpr std::string_view receive_message_script =
    "local msg = redis.call(\"ZRANGEBYSCORE\", KEYS[1], \"-inf\", KEYS[2], \"LIMIT\", \"0\", \"1\")\n"
    "\t\t\tif #msg == 0 then\n"
    "\t\t\t\treturn {}\n"
    "\t\t\tend\n"
    "\t\t\tredis.call(\"ZADD\", KEYS[1], KEYS[3], msg[1])\n"
    "\t\t\tredis.call(\"HINCRBY\", KEYS[1] .. \":Q\", \"totalrecv\", 1)\n"
    "\t\t\tlocal mbody = redis.call(\"HGET\", KEYS[1] .. \":Q\", msg[1])\n"
    "\t\t\tlocal rc = redis.call(\"HINCRBY\", KEYS[1] .. \":Q\", msg[1] .. \":rc\", 1)\n"
    "\t\t\tlocal o = {msg[1], mbody, rc}\n"
    "\t\t\tif rc==1 then\n"
    "\t\t\t\tredis.call(\"HSET\", KEYS[1] .. \":Q\", msg[1] .. \":fr\", KEYS[2])\n"
    "\t\t\t\ttable.insert(o, KEYS[2])\n"
    "\t\t\telse\n"
    "\t\t\t\tlocal fr = redis.call(\"HGET\", KEYS[1] .. \":Q\", msg[1] .. \":fr\")\n"
    "\t\t\t\ttable.insert(o, fr)\n"
    "\t\t\tend\n"
    "\t\t\treturn o";

// KEYS: queue key, message id, now + vt (ms). Returns 1, or 0 when there is no such message.
inline constexpr std::string_view change_message_visibility_script =
    "local msg = redis.call(\"ZSCORE\", KEYS[1], KEYS[2])\n"
    "\t\t\tif not msg then\n"
    "\t\t\t\treturn 0\n"
    "\t\t\tend\n"
    "\t\t\tredis.call(\"ZADD\", KEYS[1], KEYS[3], KEYS[2])\n"
    "\t\t\treturn 1";

// ipcxx's receive with a receive-count limit. KEYS: queue key, dead-letter queue key; ARGV: now
// (ms), now + vt (ms), the most receives a message may have had. Like receive_message_script, except
// that a visible message already received that many times is moved (same id and body, receive count
// cleared) into the dead-letter queue, visible at once, and returned as {id, body, rc, fr, "dead"};
// a dead-letter queue that does not exist is the error reply "queueNotFound".
inline constexpr std::string_view receive_or_dead_letter_script =
    "local msg = redis.call(\"ZRANGEBYSCORE\", KEYS[1], \"-inf\", ARGV[1], \"LIMIT\", \"0\", \"1\")\n"
    "if #msg == 0 then\n"
    "\treturn {}\n"
    "end\n"
    "local id = msg[1]\n"
    "local q = KEYS[1] .. \":Q\"\n"
    "local received = tonumber(redis.call(\"HGET\", q, id .. \":rc\") or \"0\")\n"
    "if received >= tonumber(ARGV[3]) then\n"
    "\tif redis.call(\"HEXISTS\", KEYS[2] .. \":Q\", \"vt\") == 0 then\n"
    "\t\treturn redis.error_reply(\"queueNotFound\")\n"
    "\tend\n"
    "\tlocal body = redis.call(\"HGET\", q, id)\n"
    "\tlocal fr = redis.call(\"HGET\", q, id .. \":fr\") or ARGV[1]\n"
    "\tredis.call(\"ZREM\", KEYS[1], id)\n"
    "\tredis.call(\"HDEL\", q, id, id .. \":rc\", id .. \":fr\")\n"
    "\tredis.call(\"ZADD\", KEYS[2], ARGV[1], id)\n"
    "\tredis.call(\"HSET\", KEYS[2] .. \":Q\", id, body)\n"
    "\tredis.call(\"HINCRBY\", KEYS[2] .. \":Q\", \"totalsent\", 1)\n"
    "\treturn {id, body, received, fr, \"dead\"}\n"
    "end\n"
    "redis.call(\"ZADD\", KEYS[1], ARGV[2], id)\n"
    "redis.call(\"HINCRBY\", q, \"totalrecv\", 1)\n"
    "local body = redis.call(\"HGET\", q, id)\n"
    "local rc = redis.call(\"HINCRBY\", q, id .. \":rc\", 1)\n"
    "local fr = ARGV[1]\n"
    "if rc == 1 then\n"
    "\tredis.call(\"HSET\", q, id .. \":fr\", fr)\n"
    "else\n"
    "\tfr = redis.call(\"HGET\", q, id .. \":fr\")\n"
    "end\n"
    "return {id, body, rc, fr}";

}  // namespace ipcxx::detail::rsmq
