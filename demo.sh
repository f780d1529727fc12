#!/usr/bin/env bash
# polaris-agent demo: three unmodified gRPC providers and one unmodified consumer
# find each other through a real Polaris server, only because they run with
# -javaagent:dist/target/polaris-agent.jar.
#
# Usage: ./demo.sh
#
# Steps: build what is missing (mvn install -DskipTests), then run
# org.polarisagent.demo.Demo (integration-tests/src/main/java, on the harness
# the tests and benchmarks use): start the Polaris server
# (integration-tests/polaris-server/polaris-server.sh), start three
# EchoProvider JVMs (provider-1..3, service "echo") with the agent, wait until
# Polaris lists three healthy instances, run one EchoConsumer with the agent
# against polaris://echo (round_robin, 300 calls at 50/s) and print how the
# calls spread over the instances. Everything it started is stopped on exit,
# Ctrl-C or SIGTERM. Exit code 0 only if every call succeeded and all three
# providers answered.
#
# Environment:
#   POLARIS_HTTP_PORT   Polaris OpenAPI port (default 8090)
#   POLARIS_GRPC_PORT   Polaris gRPC port the agents talk to (default 8091)
#   DEMO_TIMEOUT        seconds to wait for each start-up step (default 90)
#
# Logs: integration-tests/target/demo/ (<name>.log and <name>.err per process;
# the demo prints the paths). Everything listens on 127.0.0.1 only.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

HTTP_PORT="${POLARIS_HTTP_PORT:-8090}"
GRPC_PORT="${POLARIS_GRPC_PORT:-8091}"
TIMEOUT="${DEMO_TIMEOUT:-90}"
SERVER_SCRIPT="integration-tests/polaris-server/polaris-server.sh"
RUN_DIR="$ROOT/integration-tests/target/demo"
NAME=demo
BUILD_LOG="$RUN_DIR/build.log"
# shellcheck source=integration-tests/scripts/common.sh
source integration-tests/scripts/common.sh

DEMO_PID=""
OWNS_RUN_DIR=false

say() { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
fail() {
    printf '\ndemo FAILED: %s\n' "$*" >&2
    exit 1
}

# The server script, always with this demo's run directory and ports.
server() {
    POLARIS_RUN_DIR="$RUN_DIR/polaris" POLARIS_HTTP_PORT="$HTTP_PORT" POLARIS_GRPC_PORT="$GRPC_PORT" \
        POLARIS_WATCH_PID="$$" "$SERVER_SCRIPT" "$@"
}

# True if the process exists and is not a zombie.
alive() {
    local state
    kill -0 "$1" 2>/dev/null || return 1
    state="$(ps -o stat= -p "$1" 2>/dev/null || true)"
    [[ -n "$state" && "$state" != Z* ]]
}

# SIGTERM the given pids, wait up to $1 seconds for all of them, then SIGKILL.
terminate() {
    local timeout="$1" pid deadline
    shift
    (($# > 0)) || return 0
    for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
    deadline=$((SECONDS + timeout))
    for pid in "$@"; do
        while alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
        if alive "$pid"; then
            note "pid $pid did not stop within ${timeout} s: SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    done
}

cleanup() {
    local rc=$?
    # Finish the clean-up whatever happens now (a second Ctrl-C, a closed terminal or pipe).
    trap '' INT TERM HUP PIPE
    trap - EXIT ERR
    set +e
    if [[ "$OWNS_RUN_DIR" != true ]]; then
        exit "$rc"
    fi
    if [[ -n "$DEMO_PID" ]]; then
        # The demo's JVM stops the processes it started and the Polaris server as it exits.
        terminate 60 "$DEMO_PID"
    fi
    # Whatever a demo JVM that could not finish its clean-up left behind.
    for file in "$RUN_DIR"/*.pid; do
        [[ -e "$file" && "$file" != "$RUN_DIR/demo.pid" ]] && stop_leftover "$file"
    done
    rm -f "$RUN_DIR"/*.pid
    if [[ -f "$RUN_DIR/polaris/polaris-server.pid" ]]; then
        note "$(server stop 2>&1 | tail -n 1)"
    fi
    if ((rc != 0)); then
        printf '    logs: %s/\n' "${RUN_DIR#"$ROOT"/}" >&2
    fi
    exit "$rc"
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Stops a provider or consumer a previous demo run left behind (e.g. after
# kill -9): only a process whose command line names this run directory.
stop_leftover() {
    local file="$1" pid args
    [[ -f "$file" ]] || return 0
    pid="$(cat "$file")"
    rm -f "$file"
    [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" || return 0
    args="$(ps -ww -o args= -p "$pid" 2>/dev/null || true)"
    if [[ "$args" == *"org.polarisagent.samples.Echo"* && "$args" == *"$RUN_DIR/"* ]]; then
        note "stopping pid $pid left by a previous run"
        kill -TERM "$pid" 2>/dev/null || true
        local deadline=$((SECONDS + 30))
        while alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
        ! alive "$pid" || kill -KILL "$pid" 2>/dev/null || true
    fi
}

trap cleanup EXIT
# set -e ends the script on any unexpected failure; say where.
trap 'printf "demo FAILED: unexpected error at line %s: %s\n" "$LINENO" "$BASH_COMMAND" >&2' ERR
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

# ---- 1. tools, and a clean run directory with nothing left from an earlier run
require_tools java mvn ps
mkdir -p "$RUN_DIR"
if [[ -f "$RUN_DIR/demo.pid" ]]; then
    other="$(cat "$RUN_DIR/demo.pid")"
    if [[ "$other" =~ ^[0-9]+$ && "$other" != "$$" ]] && alive "$other" &&
        [[ "$(ps -ww -o args= -p "$other" 2>/dev/null || true)" == *demo.sh* ]]; then
        fail "another demo runs (pid $other); wait for it or stop it first"
    fi
fi
printf '%s\n' "$$" >"$RUN_DIR/demo.pid"
OWNS_RUN_DIR=true
for file in "$RUN_DIR"/*.pid; do
    [[ -e "$file" && "$file" != "$RUN_DIR/demo.pid" ]] && stop_leftover "$file"
done
if server status >/dev/null 2>&1; then
    note "stopping the Polaris server left by a previous run"
    server stop >/dev/null
fi
rm -f "$RUN_DIR"/*.log "$RUN_DIR"/*.err

# ---- 2. build what is missing
if [[ ! -f "$AGENT" || ! -f "$CP_FILE" || ! -f "$CLASSES/org/polarisagent/demo/Demo.class" ]]; then
    say "Building (a few minutes the first time)"
    rm -f "$BUILD_LOG"
    FULL_BUILD=true
    build_as_planned
fi
[[ -f "$AGENT" && -f "$CP_FILE" ]] || fail "the build did not produce $AGENT and $CP_FILE"
CLASSPATH_ARG="$CLASSES:$(cat "$CP_FILE")"
say "Agent: $AGENT ($(($(wc -c <"$AGENT") / 1024 / 1024)) MB)"
build_polaris_server
for port in "$HTTP_PORT" "$GRPC_PORT"; do
    [[ "$port" =~ ^[0-9]+$ ]] || fail "invalid port '$port'"
    if port_in_use "$port"; then
        fail "port 127.0.0.1:$port is already in use; stop what listens there or choose other ports, e.g.
    POLARIS_HTTP_PORT=18090 POLARIS_GRPC_PORT=18091 ./demo.sh"
    fi
done

# ---- 3. the demo itself: server, providers, consumer (org.polarisagent.demo.Demo)
# In the background and waited for, so that Ctrl-C reaches the trap at once.
java -cp "$CLASSPATH_ARG" org.polarisagent.demo.Demo --agent="$AGENT" --server-script="$SERVER_SCRIPT" \
    --run-dir="$RUN_DIR" --http-port="$HTTP_PORT" --grpc-port="$GRPC_PORT" --timeout="${TIMEOUT}s" </dev/null &
DEMO_PID=$!
demo_rc=0
wait "$DEMO_PID" || demo_rc=$?
DEMO_PID=""
exit "$demo_rc"
