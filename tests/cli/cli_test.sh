#!/usr/bin/env bash
# End-to-end tests of the ipcxx command-line tool: real processes over Unix sockets and TCP.
# Usage: cli_test.sh PATH/TO/ipcxx [PATH/TO/node]
# With node (and tests/interop's node_modules installed), also against node-ipc 14 (peer.js).
# Every wait polls a condition against a deadline; every process is killed on exit.
set -u

IPCXX=${1:?usage: cli_test.sh PATH/TO/ipcxx [PATH/TO/node]}
NODE=${2:-}
PEER_JS=$(cd "$(dirname "$0")/../interop" && pwd)/peer.js
MAKE_CERTS=$(dirname "$0")/make_test_certs.sh
DEADLINE=${CLI_TEST_DEADLINE:-10}  # seconds any single condition may take

WORK=$(mktemp -d)
PIDS=()        # every background process started
WRITER_FDS=()  # the shell's write ends of the FIFOs that feed stdin
passed=0
failed=0
skipped=0
current=""
current_ok=1
current_skip=0

cleanup() {
    for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
    echo "  FAIL [$current]: $*" >&2
    current_ok=0
}

begin() {
    current=$1
    current_ok=1
    current_skip=0
    # A fresh socket root per test: default socket paths never collide.
    XDG_RUNTIME_DIR=$(mktemp -d "$WORK/root.XXXXXX")
    export XDG_RUNTIME_DIR
}

end() {
    if ((current_ok && current_skip)); then
        echo "skip $current"
        skipped=$((skipped + 1))
    elif ((current_ok)); then
        echo "ok   $current"
        passed=$((passed + 1))
    else
        echo "FAIL $current"
        for f in "$WORK"/*.err; do [[ -s $f ]] && { echo "  --- $f"; sed 's/^/  /' "$f"; }; done
        failed=$((failed + 1))
    fi
    # Leave no process of this test behind for the next one.
    for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
    wait 2>/dev/null
    PIDS=()
    for fd in "${WRITER_FDS[@]}"; do eval "exec $fd>&-"; done
    WRITER_FDS=()
    rm -f "$WORK"/*.out "$WORK"/*.err "$WORK"/*.in "$WORK"/*.pid "$WORK"/*.status
}

# Polls `"$@"` until it succeeds or DEADLINE passes.
wait_for() {
    local end=$((SECONDS + DEADLINE + 1))
    until "$@"; do
        ((SECONDS < end)) || return 1
        sleep 0.02
    done
}

# launch NAME STDIN ARGS...: starts `ipcxx ARGS` in the background with stdout in NAME.out and
# stderr in NAME.err; STDIN is a file, or "fifo" for NAME.in, fed with `send NAME LINE`.
# Sets PID_NAME to its pid; its exit status lands in NAME.status.
launch() {
    local name=$1 input=$2
    shift 2
    spawn "$name" "$input" "$IPCXX" "$@"
}

# launch_node NAME ARGS...: a node-ipc 14 peer (tests/interop/peer.js), fed through NAME.in.
launch_node() {
    local name=$1
    shift
    spawn "$name" fifo "$NODE" "$PEER_JS" --version 14 "$@"
}

# spawn NAME STDIN COMMAND...: as launch, for any command.
spawn() {
    local name=$1 input=$2
    shift 2
    if [[ $input == fifo ]]; then
        input=$WORK/$name.in
        mkfifo "$input"
    fi
    : >"$WORK/$name.out"
    : >"$WORK/$name.err"
    rm -f "$WORK/$name.pid" "$WORK/$name.status"
    # A wrapper collects the status, so that the shell reports no job killed by a signal.
    (
        # The write ends the shell holds must not keep this process's stdin open.
        for fd in "${WRITER_FDS[@]}"; do eval "exec $fd>&-"; done
        "$@" <"$input" >"$WORK/$name.out" 2>"$WORK/$name.err" &
        echo $! >"$WORK/$name.pid.tmp"
        mv "$WORK/$name.pid.tmp" "$WORK/$name.pid"
        wait $!
        echo $? >"$WORK/$name.status"
    ) 2>/dev/null &
    if [[ -p $input ]]; then
        local fd
        exec {fd}>"$input"
        WRITER_FDS+=("$fd")
        eval "FD_$name=$fd"
    fi
    wait_for test -s "$WORK/$name.pid" || fail "$name did not start"
    local pid
    pid=$(cat "$WORK/$name.pid")
    PIDS+=("$pid")
    eval "PID_$name=$pid"
}

# In a subshell: a reader that died must fail the test, not kill the script with SIGPIPE.
send() { local var="FD_$1"; (printf '%s\n' "$2" >&"${!var}") 2>/dev/null || fail "cannot write to $1's stdin"; }

# close_input NAME: ends NAME's stdin (its FIFO's last write end).
close_input() {
    local var="FD_$1" kept=() fd
    eval "exec ${!var}>&-"
    for fd in "${WRITER_FDS[@]}"; do [[ $fd == "${!var}" ]] || kept+=("$fd"); done
    WRITER_FDS=(${kept[@]+"${kept[@]}"})
}

has_line() { grep -qxF -- "$2" "$WORK/$1.out"; }
count_lines() { grep -cxF -- "$2" "$WORK/$1.out"; }
stderr_has() { grep -qF -- "$2" "$WORK/$1.err"; }
stderr_count() { grep -cF -- "$2" "$WORK/$1.err"; }

# expect_exit NAME STATUS: the process ends within the deadline with STATUS.
expect_exit() {
    if ! wait_for test -s "$WORK/$1.status"; then
        fail "$1 did not exit"
        return
    fi
    local got
    got=$(cat "$WORK/$1.status")
    [[ $got == "$2" ]] || fail "$1: exit status $got, expected $2"
}

expect_line() { wait_for has_line "$1" "$2" || fail "$1 never printed: $2"; }
expect_stderr() { wait_for stderr_has "$1" "$2" || fail "$1 never said on stderr: $2"; }

# Sets PORT from NAME's "listening on tcp HOST:PORT" line.
tcp_port_of() {
    expect_stderr "$1" "ipcxx: listening on tcp "
    PORT=$(sed -n 's/^ipcxx: listening on tcp .*:\([0-9]*\)$/\1/p' "$WORK/$1.err" | tail -n 1)
    [[ -n $PORT ]] || fail "no port in the listening line of $1"
}

# Sets PORT from a peer.js server's {"ev":"listening","port":P,...} line.
node_port_of() {
    wait_for grep -q '"ev":"listening"' "$WORK/$1.out" || fail "$1 never listened"
    PORT=$(sed -n 's/^{"ev":"listening","port":\([0-9]*\),.*/\1/p' "$WORK/$1.out" | head -n 1)
    [[ -n $PORT ]] || fail "no port in the listening line of $1"
}

# True when the node-ipc tests can run; else says why they are skipped.
have_node() {
    if [[ -z $NODE ]]; then
        current_skip=1
        return 1
    fi
    if [[ ! -d $(dirname "$PEER_JS")/node_modules ]]; then
        fail "node-ipc is not installed: run tests/interop/install.sh"
        return 1
    fi
}

# Makes the TLS tests' certificates in $PKI, once.
PKI=""
make_certs() {
    [[ -n $PKI ]] && return 0
    mkdir -p "$WORK/pki"
    if ! bash "$MAKE_CERTS" "$WORK/pki" >"$WORK/pki/log" 2>&1; then
        fail "cannot make certificates: $(cat "$WORK/pki/log")"
        return 1
    fi
    PKI=$WORK/pki
}

run_fg() {  # run_fg NAME STDIN ARGS...: runs ipcxx in the foreground, bounded; sets STATUS
    local name=$1 input=$2
    shift 2
    (
        for fd in "${WRITER_FDS[@]}"; do eval "exec $fd>&-"; done
        exec timeout -k 1 "$DEADLINE" "$IPCXX" "$@" <"$input" >"$WORK/$name.out" 2>"$WORK/$name.err"
    )
    STATUS=$?
}

HELLO='{"type":"message","data":"hello"}'
RICH='{"type":"obj \"q\"","data":{"n":1,"s":"é🌍\f\n","a":[true,null,-1.5e-7],"e":{}}}'

# ---------------------------------------------------------------------------------------------

begin "help prints the usage on stdout and exits 0"
run_fg help /dev/null --help
[[ $STATUS == 0 ]] || fail "exit status $STATUS"
grep -q "ipcxx serve" "$WORK/help.out" || fail "no usage on stdout"
[[ ! -s $WORK/help.err ]] || fail "stderr not empty"
run_fg help2 /dev/null connect --exit-on-eof --help
[[ $STATUS == 0 ]] || fail "connect --help: exit status $STATUS"
end

begin "a bad flag is one error line plus a hint, exit 2"
run_fg bad /dev/null serve --no-such-flag
[[ $STATUS == 2 ]] || fail "exit status $STATUS"
grep -q "^ipcxx: unknown option '--no-such-flag'$" "$WORK/bad.err" || fail "no error line"
grep -q -- "--help" "$WORK/bad.err" || fail "no usage hint"
[[ ! -s $WORK/bad.out ]] || fail "stdout not empty"
run_fg wire /dev/null connect --wire msgpack
[[ $STATUS == 2 ]] || fail "--wire msgpack: exit status $STATUS"
grep -q "not supported" "$WORK/wire.err" || fail "--wire msgpack: no clear error"
run_fg nocmd /dev/null
[[ $STATUS == 2 ]] || fail "no command: exit status $STATUS"
end

begin "unix round trip with --echo; SIGTERM exits 0 while stdin is open"
launch srv /dev/null serve --echo
expect_stderr srv "ipcxx: listening on unix $XDG_RUNTIME_DIR/node-ipc/app.world"
launch cli fifo connect
send cli "$HELLO"
send cli "$RICH"
expect_line cli "$HELLO"
expect_line cli "$RICH"
expect_line srv "$HELLO"
expect_line srv "$RICH"
[[ $(head -n 1 "$WORK/cli.out") == "$HELLO" ]] || fail "client output out of order"
kill -TERM "$PID_cli"
expect_exit cli 0
kill -INT "$PID_srv"
expect_exit srv 0
[[ ! -e $XDG_RUNTIME_DIR/node-ipc/app.world ]] || fail "socket file left behind"
end

begin "tcp round trip with --echo on port 0"
launch srv /dev/null serve --echo --tcp 0
tcp_port_of srv
launch cli fifo connect --tcp "127.0.0.1:$PORT"
send cli "$HELLO"
send cli "$RICH"
expect_line cli "$HELLO"
expect_line cli "$RICH"
expect_line srv "$RICH"
kill -TERM "$PID_cli"
expect_exit cli 0
kill -TERM "$PID_srv"
expect_exit srv 0
end

begin "serve broadcasts stdin to two clients exactly once"
launch srv fifo serve --id hub
expect_stderr srv "listening on unix"
launch a /dev/null connect hub
launch b /dev/null connect hub
wait_for stderr_has srv "client 2 connected" || fail "two clients never connected"
send srv '{"type":"news","data":[1,2,3]}'
send srv '{"type":"marker"}'
expect_line a '{"type":"marker","data":{}}'
expect_line b '{"type":"marker","data":{}}'
[[ $(count_lines a '{"type":"news","data":[1,2,3]}') == 1 ]] || fail "client a did not get the broadcast once"
[[ $(count_lines b '{"type":"news","data":[1,2,3]}') == 1 ]] || fail "client b did not get the broadcast once"
[[ $(wc -l <"$WORK/a.out") == 2 ]] || fail "client a printed more than the events"
end

begin "serve names each client by the id of its hello"
launch srv /dev/null serve --unix "$XDG_RUNTIME_DIR/s.sock"
expect_stderr srv "listening on unix"
launch a /dev/null connect --id alice --unix "$XDG_RUNTIME_DIR/s.sock"
expect_stderr srv "ipcxx: client 1 connected: id \"alice\" (unix:$XDG_RUNTIME_DIR/s.sock)"
launch b /dev/null connect --unix "$XDG_RUNTIME_DIR/s.sock"
expect_stderr srv "ipcxx: client 2 connected: id \"ipcxx-cli\" ("
end

begin "lines read before the server exists are delivered in order once it starts"
launch cli fifo connect --retry 100
for i in 1 2 3 4 5; do send cli "{\"type\":\"early\",\"data\":$i}"; done
expect_stderr cli "cannot connect"
launch srv /dev/null serve
expect_line srv '{"type":"early","data":5}'
expected=$(for i in 1 2 3 4 5; do echo "{\"type\":\"early\",\"data\":$i}"; done)
[[ $(cat "$WORK/srv.out") == "$expected" ]] || fail "server got: $(cat "$WORK/srv.out")"
end

begin "--exit-on-eof exits 0 once everything has been delivered"
launch srv /dev/null serve --tcp 0
tcp_port_of srv
seq 1 200 | sed 's/.*/{"type":"n","data":&}/' >"$WORK/many.txt"
run_fg cli "$WORK/many.txt" connect --exit-on-eof --tcp "$PORT"
[[ $STATUS == 0 ]] || fail "exit status $STATUS"
expect_line srv '{"type":"n","data":200}'
[[ $(wc -l <"$WORK/srv.out") == 200 ]] || fail "server got $(wc -l <"$WORK/srv.out") of 200 events"
end

begin "a bad input line is reported, skipped, later lines still go out, exit 1"
launch srv /dev/null serve
expect_stderr srv "listening on unix"
printf '%s\n' '{"type":"first"}' 'not json' '{"type":"connect"}' '[1]' '{"response":9,"data":1}' \
    '{"type":"last","data":true}' >"$WORK/input.txt"
run_fg cli "$WORK/input.txt" connect --exit-on-eof
[[ $STATUS == 1 ]] || fail "exit status $STATUS"
grep -q '^ipcxx: line 2: invalid JSON' "$WORK/cli.err" || fail "line 2 not reported"
grep -q '^ipcxx: line 3: event name "connect" is reserved' "$WORK/cli.err" || fail "line 3 not reported"
grep -q '^ipcxx: line 4: expected a JSON object' "$WORK/cli.err" || fail "line 4 not reported"
grep -q '^ipcxx: line 5: no request 9 is waiting for an answer' "$WORK/cli.err" || fail "line 5 not reported"
expect_line srv '{"type":"last","data":true}'
[[ $(cat "$WORK/srv.out") == $'{"type":"first","data":{}}\n{"type":"last","data":true}' ]] ||
    fail "server got: $(cat "$WORK/srv.out")"
# --quiet: no diagnostics, but the same status and the same events.
run_fg quiet "$WORK/input.txt" connect --exit-on-eof --quiet
[[ $STATUS == 1 ]] || fail "--quiet: exit status $STATUS"
[[ ! -s $WORK/quiet.err ]] || fail "--quiet: stderr not empty: $(cat "$WORK/quiet.err")"
wait_for test "$(count_lines srv '{"type":"last","data":true}')" -eq 2 || fail "--quiet: events not sent"
# The same from serve's stdin: a bad line does not stop the broadcast, and SIGTERM then exits 1.
launch hub fifo serve --id hub
expect_stderr hub "listening on unix"
launch c /dev/null connect hub
wait_for stderr_has hub "client 1 connected" || fail "client never connected to hub"
send hub '{"type":"error"}'
send hub '{"type":"ok"}'
expect_line c '{"type":"ok","data":{}}'
grep -q '^ipcxx: line 1: event name "error" is reserved' "$WORK/hub.err" || fail "serve: line 1 not reported"
kill -TERM "$PID_hub"
expect_exit hub 1
end

begin "serve replaces the stale socket of a SIGKILLed server"
launch srv /dev/null serve --unix "$XDG_RUNTIME_DIR/stale.sock"
expect_stderr srv "listening on unix $XDG_RUNTIME_DIR/stale.sock"
kill -KILL "$PID_srv"
expect_exit srv 137
[[ -S $XDG_RUNTIME_DIR/stale.sock ]] || fail "no stale socket file to replace"
launch srv2 /dev/null serve --unix "$XDG_RUNTIME_DIR/stale.sock"
expect_stderr srv2 "listening on unix $XDG_RUNTIME_DIR/stale.sock"
printf '%s\n' "$HELLO" >"$WORK/hello.txt"
run_fg cli "$WORK/hello.txt" connect --exit-on-eof --unix "$XDG_RUNTIME_DIR/stale.sock"
[[ $STATUS == 0 ]] || fail "client exit status $STATUS"
expect_line srv2 "$HELLO"
# A live server's socket is refused, not taken over.
run_fg srv3 /dev/null serve --unix "$XDG_RUNTIME_DIR/stale.sock"
[[ $STATUS == 1 ]] || fail "second live server: exit status $STATUS"
grep -q "cannot listen" "$WORK/srv3.err" || fail "second live server: no error"
end

begin "serve binds the same TCP port again right after a SIGKILL"
launch srv /dev/null serve --echo --tcp 0
tcp_port_of srv
launch cli fifo connect --retry 100 --tcp "127.0.0.1:$PORT"
send cli '{"type":"before","data":1}'
expect_line cli '{"type":"before","data":1}'
kill -KILL "$PID_srv"
expect_exit srv 137
launch srv2 /dev/null serve --echo --tcp "$PORT"
expect_stderr srv2 "ipcxx: listening on tcp 127.0.0.1:$PORT"
send cli '{"type":"after","data":2}'
expect_line cli '{"type":"after","data":2}'
expect_line srv2 '{"type":"after","data":2}'
end

begin "connect survives its server being killed and restarted"
launch srv /dev/null serve --echo
expect_stderr srv "listening on unix"
launch cli fifo connect --retry 100
send cli '{"type":"one"}'
expect_line cli '{"type":"one","data":{}}'
kill -KILL "$PID_srv"
expect_exit srv 137
expect_stderr cli "disconnected from"
send cli '{"type":"while-down","data":"queued"}'
launch srv2 /dev/null serve --echo
expect_line srv2 '{"type":"while-down","data":"queued"}'
wait_for test "$(stderr_count cli "connected to")" -ge 2 || fail "client did not reconnect"
send cli '{"type":"two"}'
expect_line cli '{"type":"two","data":{}}'
expect_line srv2 '{"type":"two","data":{}}'
[[ $(count_lines cli '{"type":"one","data":{}}') == 1 ]] || fail "an event was printed twice"
kill -TERM "$PID_cli"
expect_exit cli 0
end

begin "connect exits 1 when messages it accepted were not delivered"
printf '%s\n' '{"type":"a"}' '{"type":"b"}' '{"type":"c"}' >"$WORK/three.txt"
launch cli "$WORK/three.txt" connect --retry 100 --unix "$XDG_RUNTIME_DIR/nobody.sock"
# Read, accepted and waiting for a server that never comes.
expect_stderr cli "end of input after 3 line(s)"
kill -TERM "$PID_cli"
expect_exit cli 1
grep -q "^ipcxx: undelivered: 3 message(s) .*not delivered" "$WORK/cli.err" || fail "no undelivered line"
end

begin "TLS: events both ways with a CA and a server name, and with mutual TLS"
if make_certs; then
    launch srv /dev/null serve --echo --tcp 0 --tls-cert "$PKI/server.crt" --tls-key "$PKI/server.key"
    tcp_port_of srv
    launch ip fifo connect --tcp "127.0.0.1:$PORT" --tls-ca "$PKI/ca.crt"
    send ip "$HELLO"
    expect_line ip "$HELLO"
    run_fg r /dev/null request --tcp "127.0.0.1:$PORT" --tls-ca "$PKI/ca.crt" add '[1,2]'
    [[ $STATUS == 0 && $(cat "$WORK/r.out") == '[1,2]' ]] || fail "request over TLS: $STATUS, '$(cat "$WORK/r.out")'"
    launch named fifo connect --tcp "127.0.0.1:$PORT" --tls-ca "$PKI/ca.crt" --tls-server-name localhost
    send named "$RICH"
    expect_line named "$RICH"
    # The server speaks nothing but TLS.
    launch plain /dev/null connect --tcp "127.0.0.1:$PORT"
    expect_stderr srv "ipcxx: tls_handshake_failed: "
    launch mtls /dev/null serve --echo --tcp 0 --tls-cert "$PKI/server.crt" --tls-key "$PKI/server.key" \
        --tls-ca "$PKI/ca.crt" --tls-require-client-cert
    tcp_port_of mtls
    launch alice fifo connect --id alice --tcp "127.0.0.1:$PORT" --tls-ca "$PKI/ca.crt" \
        --tls-cert "$PKI/client.crt" --tls-key "$PKI/client.key"
    send alice "$HELLO"
    expect_line alice "$HELLO"
    expect_line mtls "$HELLO"
fi
end

begin "TLS: each refusal is printed with its code, and connect and request exit 1"
if make_certs; then
    for refusal in expired:tls_certificate_expired wronghost:tls_host_name_mismatch rogue:tls_unknown_ca; do
        cert=${refusal%%:*} code=${refusal#*:}
        launch "srv_$cert" /dev/null serve --tcp 0 --tls-cert "$PKI/$cert.crt" --tls-key "$PKI/$cert.key"
        tcp_port_of "srv_$cert"
        launch "c_$cert" /dev/null connect --tcp "127.0.0.1:$PORT" --tls-ca "$PKI/ca.crt"
        expect_exit "c_$cert" 1
        grep -q "^ipcxx: $code: TLS handshake with tcp:127.0.0.1:$PORT failed: " "$WORK/c_$cert.err" ||
            fail "connect to the $cert certificate: no $code line"
        grep -q "^ipcxx: gave up on tcp 127.0.0.1:$PORT: $code: " "$WORK/c_$cert.err" ||
            fail "connect to the $cert certificate: no reason with 'gave up'"
        run_fg "r_$cert" /dev/null request --quiet --tcp "127.0.0.1:$PORT" --tls-ca "$PKI/ca.crt" ping
        [[ $STATUS == 1 ]] || fail "request to the $cert certificate: exit status $STATUS"
        grep -q "^ipcxx: request \"ping\" failed: $code: " "$WORK/r_$cert.err" ||
            fail "request to the $cert certificate: no $code line"
    done
    launch mtls /dev/null serve --tcp 0 --tls-cert "$PKI/server.crt" --tls-key "$PKI/server.key" \
        --tls-ca "$PKI/ca.crt" --tls-require-client-cert
    tcp_port_of mtls
    launch nocert /dev/null connect --tcp "127.0.0.1:$PORT" --tls-ca "$PKI/ca.crt"
    expect_exit nocert 1
    grep -q "^ipcxx: tls_client_certificate_required: " "$WORK/nocert.err" || fail "connect: no refusal line"
    expect_stderr mtls "ipcxx: tls_client_certificate_required: "
    run_fg r /dev/null request --tcp "127.0.0.1:$PORT" --tls-ca "$PKI/ca.crt" ping
    [[ $STATUS == 1 ]] || fail "request without a client certificate: exit status $STATUS"
    grep -q '^ipcxx: request "ping" failed: tls_client_certificate_required: ' "$WORK/r.err" ||
        fail "request without a client certificate: no refusal line"
    # An unusable file is named, with its code.
    run_fg bad /dev/null serve --tcp 0 --tls-cert "$PKI/missing.crt" --tls-key "$PKI/server.key"
    [[ $STATUS == 1 ]] || fail "missing certificate file: exit status $STATUS"
    grep -q "^ipcxx: cannot listen: tls_configuration: .*missing.crt" "$WORK/bad.err" || fail "missing file: no line"
fi
end

begin "TLS: --tls-insecure-skip-verify accepts any certificate, with a warning"
if make_certs; then
    launch srv /dev/null serve --echo --tcp 0 --tls-cert "$PKI/rogue.crt" --tls-key "$PKI/rogue.key"
    tcp_port_of srv
    launch cli fifo connect --quiet --tcp "127.0.0.1:$PORT" --tls-insecure-skip-verify
    send cli "$HELLO"
    expect_line cli "$HELLO"
    stderr_has cli "warning: --tls-insecure-skip-verify" || fail "no warning (even with --quiet)"
fi
end

begin "request round trips against serve: --echo, and answers from serve's stdin"
launch echo /dev/null serve --echo --tcp 0
tcp_port_of echo
run_fg r /dev/null request --tcp "$PORT" add '{"x":[1,2.5,"é"]}'
[[ $STATUS == 0 ]] || fail "echo: exit status $STATUS"
[[ $(cat "$WORK/r.out") == '{"x":[1,2.5,"é"]}' ]] || fail "echo: stdout is '$(cat "$WORK/r.out")'"
expect_line echo '{"request":1,"type":"add","data":{"x":[1,2.5,"é"]}}'
launch srv fifo serve --unix "$XDG_RUNTIME_DIR/s.sock"
expect_stderr srv "listening on unix"
launch job /dev/null request --unix "$XDG_RUNTIME_DIR/s.sock" job '{"n":1}'
expect_line srv '{"request":1,"type":"job","data":{"n":1}}'
send srv '{"response":1,"data":"done"}'
expect_exit job 0
[[ $(cat "$WORK/job.out") == '"done"' ]] || fail "answer: stdout is '$(cat "$WORK/job.out")'"
launch busy /dev/null request --unix "$XDG_RUNTIME_DIR/s.sock" job
expect_line srv '{"request":2,"type":"job","data":{}}'
send srv '{"response":2,"error":{"code":"busy","message":"try later"}}'
expect_exit busy 1
grep -q '^ipcxx: request "job" failed: busy: try later$' "$WORK/busy.err" || fail "error answer: no line"
# A request whose requester gave up is forgotten; its late answer is noted, not a bad line.
launch late /dev/null request --timeout 200 --unix "$XDG_RUNTIME_DIR/s.sock" slow
expect_line srv '{"request":3,"type":"slow","data":{}}'
expect_exit late 1
expect_stderr srv "ipcxx: request 3 cancelled: "
send srv '{"response":3,"data":1}'
expect_stderr srv "ipcxx: request 3 is no longer waiting"
send srv '{"response":4,"data":1}'
expect_stderr srv "ipcxx: line 4: no request 4 is waiting for an answer"
kill -TERM "$PID_srv"
expect_exit srv 1
end

begin "once serve's stdin has ended, requests fail with no_answer"
launch srv /dev/null serve --tcp 0
tcp_port_of srv
expect_stderr srv "end of input after 0 line(s)"
run_fg r /dev/null request --tcp "$PORT" job
[[ $STATUS == 1 ]] || fail "exit status $STATUS"
grep -q '^ipcxx: request "job" failed: no_answer: ' "$WORK/r.err" || fail "no no_answer line"
expect_line srv '{"request":1,"type":"job","data":{}}'
# A request still waiting for its answer when stdin ends fails then.
launch wait fifo serve --unix "$XDG_RUNTIME_DIR/w.sock"
expect_stderr wait "listening on unix"
launch job /dev/null request --unix "$XDG_RUNTIME_DIR/w.sock" job '[1]'
expect_line wait '{"request":1,"type":"job","data":[1]}'
close_input wait
expect_exit job 1
grep -q '^ipcxx: request "job" failed: no_answer: ' "$WORK/job.err" || fail "waiting request: no no_answer line"
end

begin "connect prints a node-ipc 14 server's requests and answers them from stdin"
if have_node; then
    launch_node peer --role server --tcp 127.0.0.1:0
    node_port_of peer
    launch cli fifo connect --tcp "127.0.0.1:$PORT"
    expect_line peer '{"ev":"connect","sock":1}'
    send peer '{"cmd":"request","event":"whoami","data":[1,"two"]}'
    expect_line cli '{"request":1,"type":"whoami","data":[1,"two"]}'
    send cli '{"response":1,"data":{"id":"ipcxx-cli"}}'
    expect_line peer '{"ev":"response","id":1,"data":{"id":"ipcxx-cli"}}'
    send peer '{"cmd":"request","event":"work"}'
    expect_line cli '{"request":2,"type":"work","data":{}}'
    send cli '{"response":2,"error":{"code":"busy","message":"try later"}}'
    expect_line peer '{"ev":"response","id":2,"error":{"code":"busy","message":"try later"}}'
    # Once connect's stdin has ended, a request still waiting fails with no_answer.
    send peer '{"cmd":"request","event":"late","data":3}'
    expect_line cli '{"request":3,"type":"late","data":3}'
    close_input cli
    expect_line peer '{"ev":"response","id":3,"error":{"code":"no_answer","message":"stdin of the ipcxx tool ended before an answer"}}'
    kill -TERM "$PID_cli"
    expect_exit cli 0
fi
end

begin "request: a failure is one line with its code on stderr, exit 1"
run_fg r /dev/null request --timeout 300 ping
[[ $STATUS == 1 ]] || fail "no server: exit status $STATUS"
grep -q '^ipcxx: request "ping" failed: request_timeout: ' "$WORK/r.err" || fail "no request_timeout line"
grep -q '^ipcxx: ENOENT: cannot connect to ' "$WORK/r.err" || fail "the failed attempt has no errno name"
[[ ! -s $WORK/r.out ]] || fail "stdout not empty"
run_fg r /dev/null request --max-retries 0 --quiet ping
[[ $STATUS == 1 ]] || fail "gave up: exit status $STATUS"
grep -q '^ipcxx: request "ping" failed: ENOENT: cannot connect to ' "$WORK/r.err" ||
    fail "a client that gave up does not say why"
launch srv /dev/null serve --tcp 0
tcp_port_of srv
run_fg r /dev/null request --tcp "$PORT" connect
[[ $STATUS == 1 ]] || fail "reserved event: exit status $STATUS"
grep -q '^ipcxx: request "connect" failed: reserved_event: ' "$WORK/r.err" || fail "no reserved_event line"
run_fg r /dev/null request add '[1,'
[[ $STATUS == 2 ]] || fail "bad JSON: exit status $STATUS"
grep -q "^ipcxx: argument JSON: invalid JSON" "$WORK/r.err" || fail "bad JSON: no clear error"
end

begin "request round trips against a node-ipc 14 server, TCP and Unix"
if have_node; then
    launch_node peer --role server --tcp 127.0.0.1:0 --answer-requests
    node_port_of peer
    run_fg r /dev/null request --tcp "127.0.0.1:$PORT" add '[2,3]'
    [[ $STATUS == 0 ]] || fail "add: exit status $STATUS"
    [[ $(cat "$WORK/r.out") == 5 ]] || fail "add: stdout is '$(cat "$WORK/r.out")'"
    run_fg r /dev/null request --wire json --tcp "127.0.0.1:$PORT" fail '"boom"'
    [[ $STATUS == 1 ]] || fail "fail: exit status $STATUS"
    grep -q '^ipcxx: request "fail" failed: handler_exception: boom$' "$WORK/r.err" || fail "fail: no error line"
    [[ ! -s $WORK/r.out ]] || fail "fail: stdout not empty"
    run_fg r /dev/null request --tcp "127.0.0.1:$PORT" missing
    [[ $STATUS == 1 ]] || fail "missing: exit status $STATUS"
    grep -q '^ipcxx: request "missing" failed: no_handler: ' "$WORK/r.err" || fail "missing: no error line"
    # The requester's deadline travels with the request: the JSON wire's timeout key, --timeout's default.
    expect_line peer '{"ev":"message","type":"ipcxx.request","data":{"id":1,"event":"add","data":[2,3],"timeout":5000},"sock":1}'

    launch_node upeer --role server --unix "$XDG_RUNTIME_DIR/node.sock" --answer-requests
    wait_for grep -q '"ev":"listening"' "$WORK/upeer.out" || fail "upeer never listened"
    run_fg r /dev/null request --unix "$XDG_RUNTIME_DIR/node.sock" add '[0.5,-2]'
    [[ $STATUS == 0 && $(cat "$WORK/r.out") == -1.5 ]] || fail "unix add: status $STATUS, '$(cat "$WORK/r.out")'"
fi
end

echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))
