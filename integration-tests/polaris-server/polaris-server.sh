#!/usr/bin/env bash
# Runs a real Polaris server (github.com/polarismesh/polaris, see go.mod) for
# the polaris-agent integration tests, on loopback only.
#
# Usage: polaris-server.sh build|start|stop|status|token
#
#   build   Build the server binary if it is not cached yet; print its path
#           (only the path goes to stdout).
#   start   Start a server in the background with a fresh store and wait until
#           it serves. Prints one line and exits 0:
#             polaris-server started: http=127.0.0.1:8090 grpc=127.0.0.1:8091 pid=N log=PATH run_dir=DIR
#           On failure it prints the end of the log to stderr, kills what it
#           started and exits non-zero.
#   stop    Stop the server of the run directory: SIGTERM, then SIGKILL after
#           POLARIS_STOP_TIMEOUT. Only a process whose command line is our
#           binary with this run directory is ever signalled.
#   status  Print whether the server of the run directory runs, and its ports
#           (exit 0 if it runs, 3 if not).
#   token   Print the console admin token (header X-Polaris-Token).
#
# Environment:
#   POLARIS_RUN_DIR        Run directory, one per server: pid file, ports,
#                          log (polaris-server.log) and store (data/). Default:
#                          integration-tests/target/polaris-server-run next to
#                          this folder. `start` deletes the previous store and
#                          log in it.
#   POLARIS_KEEP_DATA      true: `start` keeps the store of the previous run
#                          (a restart after an outage, as a real server would).
#   POLARIS_HTTP_PORT      HTTP OpenAPI port (default 8090).
#   POLARIS_GRPC_PORT      gRPC client API port of the SDK (default 8091).
#   POLARIS_LISTEN_IP      Loopback address both ports bind (default
#                          127.0.0.1; polaris-cluster.sh gives each node its
#                          own).
#   POLARIS_CONFIG         Server configuration (default polaris-server.yaml
#                          next to this script).
#   POLARIS_START_TIMEOUT  Seconds `start` waits for the server (default 60).
#   POLARIS_STOP_TIMEOUT   Seconds `stop` waits before SIGKILL (default 15).
#   POLARIS_CLIENT_AUTH    true: the client APIs (register, heartbeat, discover)
#                          check the token too (clientOpen, clientStrict);
#                          the admin token (see `token`) passes.
#   POLARIS_WATCH_PID      If set, the server stops itself once this process
#                          is gone (pass the test JVM's pid).
#   POLARIS_SERVER_BIN     Use this binary instead of building one.
#   POLARIS_AGENT_CACHE    Cache root for the built binary (default
#                          ${XDG_CACHE_HOME:-$HOME/.cache}/polaris-agent); the
#                          binary is kept in polaris-server/<key>/ below it,
#                          key = hash of go.mod, go.sum and main.go + OS/arch.
#   GO                     Go command (default: go). Building needs network
#                          access to the Go module proxy the first time.
#
# Several servers may run at once: give each its own run directory and ports
# (e.g. one per JUnit test class on free ports).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NAME=polaris-server
# Seeded for user "polaris" by the boltdb store (store/boltdb/default.go).
ADMIN_TOKEN='nu/0WRA4EqSR1FagrjRj0fZwPXuGlMpX+zCuWu4uMqy8xr1vRjisSbA25aAC3mtU8MeeRsKhQiDAynUR09I='

HTTP_PORT="${POLARIS_HTTP_PORT:-8090}"
GRPC_PORT="${POLARIS_GRPC_PORT:-8091}"
LISTEN_IP="${POLARIS_LISTEN_IP:-127.0.0.1}"
START_TIMEOUT="${POLARIS_START_TIMEOUT:-60}"
STOP_TIMEOUT="${POLARIS_STOP_TIMEOUT:-15}"
GO="${GO:-go}"

log() { printf '%s\n' "$*" >&2; }
die() { log "$NAME: $*"; exit 1; }

run_dir() {
    local dir="${POLARIS_RUN_DIR:-$HERE/../target/polaris-server-run}"
    mkdir -p "$dir"
    (cd "$dir" && pwd -P)
}

hash_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum | cut -c1-16
    else
        shasum -a 256 | cut -c1-16
    fi
}

# Prints the path of the server binary, building it when it is not cached.
ensure_binary() {
    if [[ -n "${POLARIS_SERVER_BIN:-}" ]]; then
        [[ -x "$POLARIS_SERVER_BIN" ]] || die "POLARIS_SERVER_BIN=$POLARIS_SERVER_BIN is not executable"
        printf '%s\n' "$POLARIS_SERVER_BIN"
        return
    fi
    local key cache dir bin tmp start
    key="$( (cat "$HERE/go.mod" "$HERE/go.sum" "$HERE/main.go"; uname -sm) | hash_of)"
    cache="${POLARIS_AGENT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/polaris-agent}"
    dir="$cache/$NAME/$key"
    bin="$dir/$NAME"
    if [[ ! -x "$bin" ]]; then
        command -v "$GO" >/dev/null 2>&1 || die "a Go toolchain (1.21+) is needed to build the server; or set POLARIS_SERVER_BIN"
        mkdir -p "$dir"
        tmp="$(mktemp "$dir/.$NAME.XXXXXX")"
        log "$NAME: building $bin (the first build downloads modules and takes a few minutes)"
        start=$SECONDS
        if ! (cd "$HERE" && GOWORK=off CGO_ENABLED=0 "$GO" build -trimpath -buildvcs=false -o "$tmp" .) >&2; then
            rm -f "$tmp"
            die "build failed"
        fi
        chmod 755 "$tmp"
        mv -f "$tmp" "$bin" # atomic: concurrent builders leave one complete binary
        log "$NAME: built in $((SECONDS - start)) s"
    fi
    printf '%s\n' "$bin"
}

# True if the process exists and is not a zombie.
alive() {
    local pid="$1" state
    kill -0 "$pid" 2>/dev/null || return 1
    state="$(ps -o stat= -p "$pid" 2>/dev/null || true)"
    [[ -n "$state" && "$state" != Z* ]]
}

# True if pid is our server binary started for run directory $2.
is_ours() {
    local pid="$1" dir="$2" args
    args="$(ps -ww -o args= -p "$pid" 2>/dev/null || true)"
    [[ "$args " == *"$NAME"*" -config "*" -dir $dir "* ]]
}

# Prints the pid recorded in run directory $1 if that server is alive, else
# removes stale state and returns 1.
running_pid() {
    local dir="$1" pid
    [[ -f "$dir/$NAME.pid" ]] || return 1
    pid="$(cat "$dir/$NAME.pid")"
    if [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" && is_ours "$pid" "$dir"; then
        printf '%s\n' "$pid"
        return 0
    fi
    rm -f "$dir/$NAME.pid" "$dir/$NAME.ports"
    return 1
}

port_in_use() {
    (exec 3<>"/dev/tcp/$LISTEN_IP/$1") 2>/dev/null
}

# HTTP GET on the local OpenAPI with the admin token; prints the body.
http_get() {
    curl -sS --max-time 2 -H "X-Polaris-Token: $ADMIN_TOKEN" "http://$LISTEN_IP:$HTTP_PORT$1" 2>/dev/null
}

# Ready when the OpenAPI answers (store, auth and caches up) and lists the
# server's own checker instance, healthy, on the gRPC port: heartbeat checks
# are only dispatched once that instance is known. Then the gRPC port must
# accept connections.
ready() {
    local body
    body="$(http_get "/naming/v1/instances?service=polaris.checker&namespace=Polaris&healthy=true&host=$LISTEN_IP")" || return 1
    body="${body//[[:space:]]/}"
    [[ "$body" == *'"code":200000'* && "$body" == *"\"port\":$GRPC_PORT,"* && "$body" == *'"healthy":true'* ]] || return 1
    port_in_use "$GRPC_PORT"
}

kill_and_wait() {
    local pid="$1" timeout="$2" deadline
    kill -TERM "$pid" 2>/dev/null || return 0
    deadline=$((SECONDS + timeout))
    while alive "$pid"; do
        if ((SECONDS >= deadline)); then
            log "$NAME: pid $pid still alive after ${timeout} s, sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.2
            break
        fi
        sleep 0.1
    done
}

cmd_start() {
    command -v curl >/dev/null 2>&1 || die "curl is needed to probe the server"
    local dir bin pid started logf deadline
    dir="$(run_dir)"
    if pid="$(running_pid "$dir")"; then
        die "already running in $dir (pid $pid); stop it first"
    fi
    for p in "$HTTP_PORT" "$GRPC_PORT"; do
        [[ "$p" =~ ^[0-9]+$ ]] || die "invalid port '$p'"
        ! port_in_use "$p" || die "port $LISTEN_IP:$p is already in use"
    done
    [[ "$HTTP_PORT" != "$GRPC_PORT" ]] || die "HTTP and gRPC ports must differ"
    [[ "$LISTEN_IP" =~ ^127\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "POLARIS_LISTEN_IP=$LISTEN_IP is not a loopback address"
    bin="$(ensure_binary)"

    # Fresh store and log; nothing else in the run directory is touched.
    if [ "${POLARIS_KEEP_DATA:-false}" = true ]; then
        rm -f "$dir/$NAME.log" "$dir/$NAME.pid" "$dir/$NAME.ports"
    else
        rm -rf "$dir/data" "$dir/$NAME.log" "$dir/$NAME.pid" "$dir/$NAME.ports"
    fi
    mkdir -p "$dir/data"
    logf="$dir/$NAME.log"
    started=$SECONDS

    local config="${POLARIS_CONFIG:-$HERE/$NAME.yaml}"
    if [ "${POLARIS_CLIENT_AUTH:-false}" = true ]; then
        # The same configuration with the auth checks of the client APIs on.
        config="$dir/$NAME-client-auth.yaml"
        sed -e 's/^\( *clientOpen:\) false$/\1 true/' -e 's/^\( *clientStrict:\) false$/\1 true/' \
            "${POLARIS_CONFIG:-$HERE/$NAME.yaml}" >"$config"
        grep -q '^ *clientStrict: true$' "$config" || die "cannot turn client auth on in $config"
    fi
    local args=(-config "$config" -dir "$dir")
    [[ -z "${POLARIS_WATCH_PID:-}" ]] || args+=(-watch-pid "$POLARIS_WATCH_PID")
    # Detached from our stdio so that callers reading our output are not held
    # until the server exits.
    POLARIS_HTTP_PORT="$HTTP_PORT" POLARIS_GRPC_PORT="$GRPC_PORT" \
        nohup "$bin" "${args[@]}" </dev/null >>"$logf" 2>&1 &
    pid=$!
    printf '%s\n' "$pid" >"$dir/$NAME.pid"
    printf 'http=%s:%s grpc=%s:%s\n' "$LISTEN_IP" "$HTTP_PORT" "$LISTEN_IP" "$GRPC_PORT" >"$dir/$NAME.ports"

    deadline=$((SECONDS + START_TIMEOUT))
    until ready; do
        if ! alive "$pid"; then
            log "$NAME: server exited during start-up; end of $logf:"
            tail -n 40 "$logf" >&2 || true
            rm -f "$dir/$NAME.pid" "$dir/$NAME.ports"
            exit 1
        fi
        if ((SECONDS >= deadline)); then
            log "$NAME: not ready after ${START_TIMEOUT} s; end of $logf:"
            tail -n 40 "$logf" >&2 || true
            kill_and_wait "$pid" 5
            rm -f "$dir/$NAME.pid" "$dir/$NAME.ports"
            exit 1
        fi
        sleep 0.2
    done
    echo "$NAME started: http=$LISTEN_IP:$HTTP_PORT grpc=$LISTEN_IP:$GRPC_PORT pid=$pid log=$logf run_dir=$dir"
    log "$NAME: ready in $((SECONDS - started)) s"
}

cmd_stop() {
    local dir pid
    dir="$(run_dir)"
    if ! pid="$(running_pid "$dir")"; then
        echo "$NAME not running (run_dir=$dir)"
        return 0
    fi
    kill_and_wait "$pid" "$STOP_TIMEOUT"
    rm -f "$dir/$NAME.pid" "$dir/$NAME.ports"
    echo "$NAME stopped: pid=$pid"
}

cmd_status() {
    local dir pid
    dir="$(run_dir)"
    if pid="$(running_pid "$dir")"; then
        echo "$NAME running: $(cat "$dir/$NAME.ports" 2>/dev/null) pid=$pid log=$dir/$NAME.log run_dir=$dir"
    else
        echo "$NAME not running (run_dir=$dir)"
        return 3
    fi
}

case "${1:-}" in
    build) ensure_binary ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    token) printf '%s\n' "$ADMIN_TOKEN" ;;
    *)
        log "usage: $0 build|start|stop|status|token   (see the header of this script)"
        exit 2
        ;;
esac
