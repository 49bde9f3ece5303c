// ipcxx's batch scripts: several waiting sends, receives or deletes on one queue in one call each.
// Each does for every operation of its batch what rsmq 0.12.4's commands do for one (same keys,
// values, ids and realtime notification), with rsmq's queue lookup done once inside the script.
// They call TIME before writing, which Redis 7 allows: it replicates a script's effects, never the
// script itself. Every key is in KEYS (the queue's sorted set and hash), so on a cluster they run
// as they are when the namespace has a hash tag.
#pragma once

#include <string_view>

namespace ipcxx::detail::rsmq {

// KEYS: queue key, queue hash. ARGV: the realtime channel or "" (none), then per message its delay
// in seconds or "" (the queue's), its length in UTF-16 code units, 22 random id characters and its
// body. Returns one element per message: its id (the microseconds of TIME plus its position in the
// batch, in base 36, then its random part), or the queue's maxsize (an integer) when it is longer;
// or the error reply "queueNotFound". One PUBLISH of the queue's size after the batch.
inline constexpr std::string_view batch_send_script =
    "local q = redis.call(\"HMGET\", KEYS[2], \"vt\", \"delay\", \"maxsize\")\n"
    "if not q[1] or not q[2] or not q[3] then\n"
    "\treturn redis.error_reply(\"queueNotFound\")\n"
    "end\n"
    "local maxsize = tonumber(q[3])\n"
    "local queue_delay = tonumber(q[2]) * 1000\n"
    "local t = redis.call(\"TIME\")\n"
    "local base = tonumber(t[1]) * 1000000 + tonumber(t[2])\n"
    "local digits = {}\n"
    "for d = 0, 35 do\n"
    "\tdigits[d] = string.byte(\"0123456789abcdefghijklmnopqrstuvwxyz\", d + 1)\n"
    "end\n"
    "local codes = {}\n"
    "local last_score, last_text\n"
    "local out = {}\n"
    "local scored = {}\n"
    "local bodies = {}\n"
    "for i = 2, #ARGV, 4 do\n"
    "\tif maxsize ~= -1 and tonumber(ARGV[i + 1]) > maxsize then\n"
    "\t\tout[#out + 1] = maxsize\n"
    "\telse\n"
    "\t\tlocal micros = base + (i - 2) / 4\n"
    "\t\tlocal ms = math.floor(micros / 1000)\n"
    "\t\tlocal n = 0\n"
    "\t\trepeat\n"
    "\t\t\tlocal d = micros % 36\n"
    "\t\t\tn = n + 1\n"
    "\t\t\tcodes[n] = digits[d]\n"
    "\t\t\tmicros = (micros - d) / 36\n"
    "\t\tuntil micros == 0\n"
    "\t\tlocal id = string.reverse(string.char(unpack(codes, 1, n))) .. ARGV[i + 2]\n"
    "\t\tlocal score = ms + queue_delay\n"
    "\t\tif ARGV[i] ~= \"\" then\n"
    "\t\t\tscore = ms + tonumber(ARGV[i]) * 1000\n"
    "\t\tend\n"
    "\t\tif score ~= last_score then\n"
    "\t\t\tlast_score = score\n"
    "\t\t\tlast_text = tostring(score)\n"
    "\t\tend\n"
    "\t\tscored[#scored + 1] = last_text\n"
    "\t\tscored[#scored + 1] = id\n"
    "\t\tbodies[#bodies + 1] = id\n"
    "\t\tbodies[#bodies + 1] = ARGV[i + 3]\n"
    "\t\tout[#out + 1] = id\n"
    "\tend\n"
    "end\n"
    "if #scored > 0 then\n"
    "\tredis.call(\"ZADD\", KEYS[1], unpack(scored))\n"
    "\tredis.call(\"HSET\", KEYS[2], unpack(bodies))\n"
    "\tredis.call(\"HINCRBY\", KEYS[2], \"totalsent\", #bodies / 2)\n"
    "\tif ARGV[1] ~= \"\" then\n"
    "\t\tredis.call(\"PUBLISH\", ARGV[1], redis.call(\"ZCARD\", KEYS[1]))\n"
    "\tend\n"
    "end\n"
    "return out";

// KEYS: queue key, queue hash. ARGV: vt in seconds or "" (the queue's), the most messages to take.
// Takes up to that many visible messages, oldest first, each as rsmq's receive script does (hidden
// until now + vt, totalrecv, rc incremented, fr set on the first receive), with one call per kind of
// command for the whole batch. Returns {now, id, body, rc, fr, id, body, rc, fr, ...} with now the
// server's time in ms, or the error reply "queueNotFound".
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
    "local out = {now}\n"
    "if #ids == 0 then\n"
    "\treturn out\n"
    "end\n"
    "local hidden = {}\n"
    "local fields = {}\n"
    "local hidden_until = tostring(now + tonumber(vt) * 1000)\n"
    "for i, id in ipairs(ids) do\n"
    "\thidden[2 * i - 1] = hidden_until\n"
    "\thidden[2 * i] = id\n"
    "\tfields[3 * i - 2] = id\n"
    "\tfields[3 * i - 1] = id .. \":rc\"\n"
    "\tfields[3 * i] = id .. \":fr\"\n"
    "end\n"
    "redis.call(\"ZADD\", KEYS[1], unpack(hidden))\n"
    "redis.call(\"HINCRBY\", KEYS[2], \"totalrecv\", #ids)\n"
    "local values = redis.call(\"HMGET\", KEYS[2], unpack(fields))\n"
    "local counts = {}\n"
    "for i, id in ipairs(ids) do\n"
    "\tlocal rc = 1\n"
    "\tlocal rc_text = \"1\"\n"
    "\tif values[3 * i - 1] then\n"
    "\t\trc = tonumber(values[3 * i - 1]) + 1\n"
    "\t\trc_text = tostring(rc)\n"
    "\tend\n"
    "\tlocal fr = values[3 * i]\n"
    "\tcounts[#counts + 1] = fields[3 * i - 1]\n"
    "\tcounts[#counts + 1] = rc_text\n"
    "\tif rc == 1 then\n"
    "\t\tfr = now_text\n"
    "\t\tcounts[#counts + 1] = fields[3 * i]\n"
    "\t\tcounts[#counts + 1] = now_text\n"
    "\tend\n"
    "\tout[#out + 1] = id\n"
    "\tout[#out + 1] = values[3 * i - 2]\n"
    "\tout[#out + 1] = rc\n"
    "\tout[#out + 1] = fr\n"
    "end\n"
    "redis.call(\"HSET\", KEYS[2], unpack(counts))\n"
    "return out";

// KEYS: queue key, queue hash. ARGV: message ids. Per id, in order, rsmq's deleteMessage (ZREM, then
// HDEL of the body, rc and fr): 1 when both would remove something, else 0 (so an id given twice is
// found once); the removals are one ZREM and one HDEL for the whole batch. Whether an id has fields
// is read from its receive count (short, and there once it was received, as before most deletes);
// only an id without one costs calls of its own. Needs ZMSCORE (Redis 6.2).
inline constexpr std::string_view batch_delete_script =
    "local counts = {}\n"
    "for i, id in ipairs(ARGV) do\n"
    "\tcounts[i] = id .. \":rc\"\n"
    "end\n"
    "local scores = redis.call(\"ZMSCORE\", KEYS[1], unpack(ARGV))\n"
    "local received = redis.call(\"HMGET\", KEYS[2], unpack(counts))\n"
    "local out = {}\n"
    "local seen = {}\n"
    "local members = {}\n"
    "local cleared = {}\n"
    "for i, id in ipairs(ARGV) do\n"
    "\tout[i] = 0\n"
    "\tif not seen[id] then\n"
    "\t\tseen[id] = true\n"
    "\t\tlocal held = received[i] or redis.call(\"HEXISTS\", KEYS[2], id) == 1 or\n"
    "\t\t\tredis.call(\"HEXISTS\", KEYS[2], id .. \":fr\") == 1\n"
    "\t\tif scores[i] and held then\n"
    "\t\t\tout[i] = 1\n"
    "\t\tend\n"
    "\t\tif scores[i] then\n"
    "\t\t\tmembers[#members + 1] = id\n"
    "\t\tend\n"
    "\t\tif held then\n"
    "\t\t\tcleared[#cleared + 1] = id\n"
    "\t\t\tcleared[#cleared + 1] = counts[i]\n"
    "\t\t\tcleared[#cleared + 1] = id .. \":fr\"\n"
    "\t\tend\n"
    "\tend\n"
    "end\n"
    "if #members > 0 then\n"
    "\tredis.call(\"ZREM\", KEYS[1], unpack(members))\n"
    "end\n"
    "if #cleared > 0 then\n"
    "\tredis.call(\"HDEL\", KEYS[2], unpack(cleared))\n"
    "end\n"
    "return out";

}  // namespace ipcxx::detail::rsmq
