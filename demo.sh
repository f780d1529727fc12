#!/usr/bin/env bash
# polaris-agent demo: three unmodified gRPC providers and one unmodified consumer
# find each other through a real Polaris server, only because they run with
# -javaagent:dist/target/polaris-agent.jar.
#
# Usage: ./demo.sh
#
# Steps: build what is missing (mvn install -DskipTests), start the Polaris
# server (integration-tests/polaris-server/polaris-server.sh), start three
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
# Logs: integration-tests/target/demo/ (one file per process; the script
# prints the paths). Everything listens on 127.0.0.1 only.
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
PROVIDERS=(provider-1 provider-2 provider-3)
CALLS=300
RATE=50

PROVIDER_PIDS=()
CONSUMER_PID=""
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
    if [[ -n "$CONSUMER_PID" || ${#PROVIDER_PIDS[@]} -gt 0 || -f "$RUN_DIR/polaris/polaris-server.pid" ]]; then
        say "Stopping what the demo started"
    fi
    if [[ -n "$CONSUMER_PID" ]]; then
        terminate 15 "$CONSUMER_PID"
    fi
    if ((${#PROVIDER_PIDS[@]} > 0)); then
        # The agent deregisters each provider and keeps serving for its shutdown delay (6 s) before the app's
        # own shutdown runs.
        note "providers: SIGTERM to ${PROVIDER_PIDS[*]}"
        terminate 30 "${PROVIDER_PIDS[@]}"
    fi
    rm -f "$RUN_DIR"/*.pid
    if [[ -f "$RUN_DIR/polaris/polaris-server.pid" ]]; then
        note "$(server stop 2>&1 | tail -n 1)"
    fi
    if ((rc == 0)); then
        say "Done. Logs: ${RUN_DIR#"$ROOT"/}/"
    else
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

# Waits until a provider printed its READY line; fails if it exits first.
await_ready() {
    local name="$1" pid="$2" deadline=$((SECONDS + TIMEOUT))
    until grep -q '^READY ' "$RUN_DIR/$name.log" 2>/dev/null; do
        if ! alive "$pid"; then
            tail -n 20 "$RUN_DIR/$name.log" >&2 || true
            fail "$name exited during start-up (log: $RUN_DIR/$name.log)"
        fi
        ((SECONDS < deadline)) || fail "$name not READY after ${TIMEOUT} s (log: $RUN_DIR/$name.log)"
        sleep 0.1
    done
}

# Number of healthy instances Polaris lists for service echo, or -1 if the OpenAPI does not answer.
healthy_instances() {
    local body
    body="$(curl -sS --max-time 2 -H "X-Polaris-Token: $TOKEN" \
        "http://127.0.0.1:$HTTP_PORT/naming/v1/instances?service=echo&namespace=default" 2>/dev/null)" || {
        echo -1
        return
    }
    if [[ "$body" != *'"code"'*'200000'* ]]; then
        echo 0
        return
    fi
    { grep -oE '"healthy"[[:space:]]*:[[:space:]]*true' <<<"$body" || true; } | wc -l | tr -d ' '
}

trap cleanup EXIT
# set -e ends the script on any unexpected failure; say where.
trap 'printf "demo FAILED: unexpected error at line %s: %s\n" "$LINENO" "$BASH_COMMAND" >&2' ERR
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

# ---- 1. tools, and a clean run directory with nothing left from an earlier run
require_tools java mvn curl ps
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
rm -f "$RUN_DIR"/*.log

# ---- 2. build what is missing
if [[ ! -f "$AGENT" || ! -f "$CP_FILE" || ! -f "$CLASSES/org/polarisagent/samples/EchoProvider.class" ]]; then
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

# ---- 3. Polaris server
say "Starting the Polaris server (http 127.0.0.1:$HTTP_PORT, grpc 127.0.0.1:$GRPC_PORT)"
if ! out="$(POLARIS_START_TIMEOUT="$TIMEOUT" server start 2>&1)"; then
    printf '%s\n' "$out" >&2
    fail "the Polaris server did not start"
fi
note "log: ${RUN_DIR#"$ROOT"/}/polaris/polaris-server.log"
TOKEN="$(server token)"

# ---- 4. providers
say "Starting ${#PROVIDERS[@]} EchoProvider JVMs with the agent (service echo):"
note "java -javaagent:$AGENT -Dpolaris.address=127.0.0.1:$GRPC_PORT -Dpolaris.service=echo \\"
note "     -cp <sample classpath> org.polarisagent.samples.EchoProvider --name=provider-N"
for name in "${PROVIDERS[@]}"; do
    # --max-lifetime: the provider exits by itself should this script be killed with SIGKILL.
    java -javaagent:"$AGENT" -Dpolaris.address="127.0.0.1:$GRPC_PORT" -Dpolaris.service=echo \
        -Dpolaris.log.sdk.file="$RUN_DIR/$name-sdk.log" \
        -cp "$CLASSPATH_ARG" org.polarisagent.samples.EchoProvider --name="$name" --max-lifetime=10m \
        </dev/null >"$RUN_DIR/$name.log" 2>&1 &
    PROVIDER_PIDS+=("$!")
    printf '%s\n' "$!" >"$RUN_DIR/$name.pid"
done
for i in "${!PROVIDERS[@]}"; do
    await_ready "${PROVIDERS[$i]}" "${PROVIDER_PIDS[$i]}"
    note "${PROVIDERS[$i]}: $(grep -m1 '^LISTENING ' "$RUN_DIR/${PROVIDERS[$i]}.log" | sed 's/^LISTENING //')," \
        "pid ${PROVIDER_PIDS[$i]}, log ${RUN_DIR#"$ROOT"/}/${PROVIDERS[$i]}.log"
done

say "Waiting until Polaris lists ${#PROVIDERS[@]} healthy instances of echo"
started=$SECONDS
deadline=$((SECONDS + TIMEOUT))
while :; do
    count="$(healthy_instances)"
    [[ "$count" == "${#PROVIDERS[@]}" ]] && break
    for i in "${!PROVIDERS[@]}"; do
        alive "${PROVIDER_PIDS[$i]}" || fail "${PROVIDERS[$i]} exited (log: $RUN_DIR/${PROVIDERS[$i]}.log)"
    done
    ((SECONDS < deadline)) || fail "Polaris lists $count healthy instances of echo after ${TIMEOUT} s, expected ${#PROVIDERS[@]}
    (provider logs: $RUN_DIR/provider-*.log, server log: $RUN_DIR/polaris/polaris-server.log)"
    sleep 0.2
done
note "${#PROVIDERS[@]} healthy instances after $((SECONDS - started)) s (GET /naming/v1/instances?service=echo)"

# ---- 5. consumer
say "Running EchoConsumer with the agent: $CALLS calls at $RATE/s to polaris://echo, round_robin"
note "java -javaagent:$AGENT -Dpolaris.address=127.0.0.1:$GRPC_PORT -Dpolaris.service=echo-consumer \\"
note "     -Dpolaris.loadbalancer=round_robin -cp <sample classpath> org.polarisagent.samples.EchoConsumer \\"
note "     --target=polaris://echo --calls=$CALLS --rate=$RATE --deadline=10s"
java -javaagent:"$AGENT" -Dpolaris.address="127.0.0.1:$GRPC_PORT" -Dpolaris.service=echo-consumer \
    -Dpolaris.loadbalancer=round_robin -Dpolaris.log.sdk.file="$RUN_DIR/consumer-sdk.log" \
    -cp "$CLASSPATH_ARG" org.polarisagent.samples.EchoConsumer \
    --target=polaris://echo --calls="$CALLS" --rate="$RATE" --deadline=10s --max-duration=2m \
    </dev/null >"$RUN_DIR/consumer.log" 2>&1 &
CONSUMER_PID=$!
printf '%s\n' "$CONSUMER_PID" >"$RUN_DIR/consumer.pid"
# In the background and waited for, so that Ctrl-C reaches the trap at once.
consumer_rc=0
wait "$CONSUMER_PID" || consumer_rc=$?
CONSUMER_PID=""
rm -f "$RUN_DIR/consumer.pid"
note "log: ${RUN_DIR#"$ROOT"/}/consumer.log"

result="$(grep -m1 '^RESULT ' "$RUN_DIR/consumer.log" || true)"
[[ -n "$result" ]] || fail "the consumer printed no RESULT line (exit code $consumer_rc; log: $RUN_DIR/consumer.log)"
field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<" $result"; }
ok="$(field ok)"
failed="$(field failed)"
unfinished="$(field unfinished)"

say "Result: $ok of $CALLS calls ok, $failed failed, $unfinished unfinished"
answered=0
while read -r _ name_field count_field; do
    name="${name_field#name=}"
    count="${count_field#count=}"
    bar="$(printf '%*s' $((count * 40 / CALLS)) '' | tr ' ' '#')"
    printf '    %-12s %4s calls  %s\n' "$name" "$count" "$bar"
    answered=$((answered + 1))
done < <(grep '^INSTANCE ' "$RUN_DIR/consumer.log")
grep '^ERROR ' "$RUN_DIR/consumer.log" | sed 's/^/    /' || true
latency="$(grep -m1 '^LATENCY ' "$RUN_DIR/consumer.log" || true)"
if [[ "$latency" == *p50us=* ]]; then
    ms() { awk -v us="$(sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<" $latency")" 'BEGIN { printf "%.1f", us / 1000 }'; }
    note "latency ms: p50 $(ms p50us), p90 $(ms p90us), p99 $(ms p99us), max $(ms maxus)" \
        "(includes the first calls, which wait for polaris://echo to resolve)"
fi
note "$result"

((ok == CALLS)) || fail "$((CALLS - ok)) of $CALLS calls did not succeed (log: $RUN_DIR/consumer.log)"
((answered == ${#PROVIDERS[@]})) || fail "$answered instances answered, expected ${#PROVIDERS[@]}"
say "OK: every call succeeded, spread over ${#PROVIDERS[@]} instances found through Polaris"
