// The text of `ipcxx --help`.
#include "options.hpp"

namespace ipcxx_cli {

const char* const usage_text =
    R"(Usage: ipcxx serve   [--id ID] [--echo] [--unix PATH | --tcp [HOST:]PORT] [OPTIONS]
       ipcxx connect [--id ID] [--exit-on-eof] [--unix PATH | --tcp [HOST:]PORT | SERVER_ID] [OPTIONS]
       ipcxx request [--timeout MS] [--unix PATH | --tcp [HOST:]PORT | SERVER_ID] EVENT [JSON] [OPTIONS]
       ipcxx rsmq create|send|receive|delete|pop|attrs|list --redis URL ...   (see ipcxx rsmq --help)

What nc is for sockets, for node-ipc and ipcxx endpoints. Every stdin line is one event, a JSON
object {"type":T,"data":D} ("data" optional), or the answer to a request (below); every event
received is printed on stdout as one such line. Diagnostics go to stderr.

  serve     listen as server ID (default "world") at the default socket path of ID, or on
            --unix / --tcp; stdin events are broadcast to every connected client; each client
            is reported on stderr with the id of its hello as it connects
  connect   connect to server SERVER_ID (default "world") at its default socket path, or to
            --unix / --tcp; stdin events are sent in order, also those read before the
            connection is up; reconnects like a node-ipc client
  request   one request for EVENT with the arguments JSON (none if left out): prints the
            response's data as one JSON line on stdout ("null" for none), or the error as
            "ipcxx: request \"EVENT\" failed: CODE: MESSAGE" on stderr with exit status 1.
            With two arguments and no --unix/--tcp, the second is JSON if it starts like JSON
            ({ [ " - a digit, true, false, null), else the two are SERVER_ID and EVENT

Options:
  --id ID            own id (serve: the server's id, default "world"; else default "ipcxx-cli")
  --unix PATH        the Unix socket at PATH
  --tcp [HOST:]PORT  TCP; HOST defaults to 127.0.0.1 ([::1] for IPv6); serve: PORT 0 picks a free port
  --echo             serve: send every event received back to its sender, and answer every
                     request with its own arguments
  --exit-on-eof      connect: once stdin ends, exit when every event read has been written
  --topic PREFIX     connect: only broadcasts whose event starts with PREFIX (repeatable; an
                     ipcxx server filters them; default: every broadcast)
  --timeout MS       request: how long to wait for the response, connecting included (default 5000)
  --retry MS         delay before each reconnect attempt (default 500)
  --max-retries N    reconnect attempts after a close, or "unlimited" (default)
  --wire WIRE        auto (default: native with ipcxx peers, JSON with node-ipc), json, or native
  --quiet            no diagnostics on stderr except fatal errors
  -h, --help         show this help

TLS (with --tcp; each --tls-* option turns TLS on; a build without TLS fails with tls_unavailable):
  --tls                          TLS without files of one's own: the system's trusted CAs
  --tls-cert FILE                this side's certificate chain, PEM (serve: required)
  --tls-key FILE                 its private key, PEM
  --tls-ca FILE                  the CAs the peer's certificate must come from (default: the system's)
  --tls-server-name NAME         connect, request: the name the server's certificate must carry
                                 (default: HOST)
  --tls-require-client-cert      serve: refuse clients without a certificate from --tls-ca
  --tls-insecure-skip-verify     connect, request: UNSAFE, accept any server certificate: anyone
                                 in between can read and change the traffic

Requests received (serve, connect) are printed as {"request":N,"type":T,"data":D}, N being the
tool's own number for the request. The stdin line {"response":N,"data":D} answers it and
{"response":N,"error":{"code":C,"message":M}} answers it with an error ("data" and "message"
optional). A request whose requester cancels it, whose deadline passes or whose connection
closes is noted on stderr and forgotten; once stdin has ended, the requests still waiting and every
later one fail with the code no_answer.

Errors are printed as "ipcxx: CODE: MESSAGE", e.g. a refused TLS handshake as tls_certificate_expired,
tls_host_name_mismatch, tls_unknown_ca or tls_client_certificate_required; a client refused over a
certificate does not retry: connect and request exit 1.
serve reports its endpoint on stderr: "ipcxx: listening on unix PATH" or
"ipcxx: listening on tcp HOST:PORT". serve and connect run until SIGINT or SIGTERM.
Exit status: 0 on success; 1 if an input line was bad, messages were not delivered, a request
failed, or on a fatal error; 2 on bad usage.
)";

}  // namespace ipcxx_cli
