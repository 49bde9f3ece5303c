// ipcxx's batch scripts: several waiting sends or receives on one queue in one call each.
// Each does for every operation of its batch what rsmq 0.12.4's commands do for one (same keys,
// values, ids and realtime notification), with rsmq's queue lookup done once inside the script.
// They call TIME before writing, which Redis 7 allows: it replicates a script's effects, never the
// script itself. Every key is in KEYS (the queue's sorted set and hash), so on a cluster they run
// as they are when the namespace has a hash tag.
// What costs Redis in them is Lua work per value more than the commands, so they keep it small: their
// tables are made at full size by a constructor ({unpack(ARGV, 2)}: Lua 5.1 has no table.new, and a
// table filled from empty is rehashed at every power of two), and they return no more than needed.
#pragma once

#include <string_view>

namespace ipcxx::detail::rsmq {

// KEYS: queue key, queue hash. ARGV: the realtime channel or "" (none), then per message two values:
// its tag and its body. The tag is the 22 random characters of its id, followed by ":<delay>:<units>"
// when the message has a delay of its own ("" for none) or is longer than 1024 UTF-16 code units
// (units: its length), so that a message that cannot exceed any maxsize (1024 at least) costs no check.
// Stores every message that fits, under the id made of TIME's microseconds plus its position in the
// batch, in base 36, and its random part; the ids are not returned: the caller makes the same ones
// from the reply {TIME's seconds, TIME's microseconds, the queue's maxsize, its delay} (which is also
// the lookup of the lane's next batch, rsmq_batch.hpp's batch_send_write). Or the error reply
// "queueNotFound". One PUBLISH of the queue's size after the batch. The base 36 digits above the last
// two are made once per batch (TIME is far above 36^2 microseconds), not once per message.
inline constexpr std::string_view batch_send_script =
    "local q = redis.call(\"HMGET\", KEYS[2], \"vt\", \"delay\", \"maxsize\")\n"
    "if not q[1] or not q[2] or not q[3] then\n"
    "\treturn redis.error_reply(\"queueNotFound\")\n"
    "end\n"
    "local maxsize = tonumber(q[3])\n"
    "local queue_delay = tonumber(q[2]) * 1000\n"
    "local t = redis.call(\"TIME\")\n"
    "local base = tonumber(t[1]) * 1000000 + tonumber(t[2])\n"
    "local digits = {\"0\",\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\","
    "\"i\",\"j\",\"k\",\"l\",\"m\",\"n\",\"o\",\"p\",\"q\",\"r\",\"s\",\"t\",\"u\",\"v\",\"w\",\"x\",\"y\",\"z\"}\n"
    "local high, prefix, last_score, last_text\n"
    "local scored = {unpack(ARGV, 2)}\n"
    "local bodies = {unpack(ARGV, 2)}\n"
    "local n = 0\n"
    "for i = 2, #ARGV, 2 do\n"
    "\tlocal random = ARGV[i]\n"
    "\tlocal delay = queue_delay\n"
    "\tlocal fits = true\n"
    "\tif #random > 22 then\n"
    "\t\tlocal own_delay, units\n"
    "\t\trandom, own_delay, units = string.match(random, \"^(%w+):(%d*):(%d+)$\")\n"
    "\t\tif own_delay ~= \"\" then\n"
    "\t\t\tdelay = tonumber(own_delay) * 1000\n"
    "\t\tend\n"
    "\t\tfits = maxsize == -1 or tonumber(units) <= maxsize\n"
    "\tend\n"
    "\tif fits then\n"
    "\t\tlocal micros = base + (i - 2) / 2\n"
    "\t\tlocal low = micros % 1296\n"
    "\t\tif (micros - low) / 1296 ~= high then\n"
    "\t\t\thigh = (micros - low) / 1296\n"
    "\t\t\tprefix = \"\"\n"
    "\t\t\tlocal rest = high\n"
    "\t\t\twhile rest > 0 do\n"
    "\t\t\t\tlocal d = rest % 36\n"
    "\t\t\t\tprefix = digits[d + 1] .. prefix\n"
    "\t\t\t\trest = (rest - d) / 36\n"
    "\t\t\tend\n"
    "\t\tend\n"
    "\t\tlocal id = prefix .. digits[(low - low % 36) / 36 + 1] .. digits[low % 36 + 1] .. random\n"
    "\t\tlocal score = (micros - micros % 1000) / 1000 + delay\n"
    "\t\tif score ~= last_score then\n"
    "\t\t\tlast_score = score\n"
    "\t\t\tlast_text = tostring(score)\n"
    "\t\tend\n"
    "\t\tscored[n + 1] = last_text\n"
    "\t\tscored[n + 2] = id\n"
    "\t\tbodies[n + 1] = id\n"
    "\t\tbodies[n + 2] = ARGV[i + 1]\n"
    "\t\tn = n + 2\n"
    "\tend\n"
    "end\n"
    "if n > 0 then\n"
    "\tredis.call(\"ZADD\", KEYS[1], unpack(scored, 1, n))\n"
    "\tredis.call(\"HSET\", KEYS[2], unpack(bodies, 1, n))\n"
    "\tredis.call(\"HINCRBY\", KEYS[2], \"totalsent\", n / 2)\n"
    "\tif ARGV[1] ~= \"\" then\n"
    "\t\tredis.call(\"PUBLISH\", ARGV[1], redis.call(\"ZCARD\", KEYS[1]))\n"
    "\tend\n"
    "end\n"
    "return {t[1], t[2], maxsize, q[2]}";

// KEYS: queue key, queue hash. ARGV: vt in seconds or "" (the queue's), the most messages to take.
// Takes up to that many visible messages, oldest first, each as rsmq's receive script does (hidden
// until now + vt, totalrecv, rc incremented, fr set on the first receive), with one call per kind of
// command for the whole batch; first receives (the usual case) read no fr. Returns {body, id, body,
// id, ..., now} with now the server's time in ms (an integer, where a body is a string or nil), then
// for each message received before {its position (from 1), rc, fr}: a first receive's rc is 1 and
// its fr now. The HMGET reply of bodies and counts is the reply, so no table is made for it. Or the
// error reply "queueNotFound".
inline constexpr std::string_view batch_receive_script =
    "local q = redis.call(\"HMGET\", KEYS[2], \"vt\", \"delay\", \"maxsize\")\n"
    "if not q[1] or not q[2] or not q[3] then\n"
    "\treturn redis.error_reply(\"queueNotFound\")\n"
    "end\n"
    "local vt = q[1]\n"
    "if ARGV[1] ~= \"\" then\n"
    "\tvt = ARGV[1]\n"
    "end\n"
    "local t = redis.call(\"TIME\")\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local now_text = tostring(now)\n"
    "local ids = redis.call(\"ZRANGEBYSCORE\", KEYS[1], \"-inf\", now_text, \"LIMIT\", \"0\", ARGV[2])\n"
    "local n = #ids\n"
    "if n == 0 then\n"
    "\treturn {now}\n"
    "end\n"
    "local hidden = {unpack(ids, 1, 2 * n)}\n"
    "local fields = {unpack(ids, 1, 2 * n)}\n"
    "local hidden_until = tostring(now + tonumber(vt) * 1000)\n"
    "for i = 1, n do\n"
    "\tlocal id = ids[i]\n"
    "\thidden[2 * i - 1] = hidden_until\n"
    "\thidden[2 * i] = id\n"
    "\tfields[2 * i - 1] = id\n"
    "\tfields[2 * i] = id .. \":rc\"\n"
    "end\n"
    "redis.call(\"ZADD\", KEYS[1], unpack(hidden))\n"
    "redis.call(\"HINCRBY\", KEYS[2], \"totalrecv\", n)\n"
    "local out = redis.call(\"HMGET\", KEYS[2], unpack(fields))\n"
    "local counts = {unpack(ids, 1, 4 * n)}\n"
    "local c = 0\n"
    "local k = 2 * n + 1\n"
    "out[k] = now\n"
    "for i = 1, n do\n"
    "\tlocal id = ids[i]\n"
    "\tlocal rc = out[2 * i]\n"
    "\tout[2 * i] = id\n"
    "\tcounts[c + 1] = fields[2 * i]\n"
    "\tif rc then\n"
    "\t\trc = tostring(tonumber(rc) + 1)\n"
    "\t\tcounts[c + 2] = rc\n"
    "\t\tc = c + 2\n"
    "\t\tout[k + 1] = i\n"
    "\t\tout[k + 2] = rc\n"
    "\t\tout[k + 3] = redis.call(\"HGET\", KEYS[2], id .. \":fr\")\n"
    "\t\tk = k + 3\n"
    "\telse\n"
    "\t\tcounts[c + 2] = \"1\"\n"
    "\t\tcounts[c + 3] = id .. \":fr\"\n"
    "\t\tcounts[c + 4] = now_text\n"
    "\t\tc = c + 4\n"
    "\tend\n"
    "end\n"
    "redis.call(\"HSET\", KEYS[2], unpack(counts, 1, c))\n"
    "return out";

}  // namespace ipcxx::detail::rsmq
