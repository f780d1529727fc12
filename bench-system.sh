#!/usr/bin/env bash
# polaris-agent system benchmarks (see BENCHMARKS.md): per-call cost against
# plain gRPC (closed loop, and the picker alone in JMH), convergence, rolling
# restart, crash and footprint, each with its baseline in the same run,
# against a real Polaris server on loopback. Prints one Markdown table.
#
# Usage: ./bench-system.sh [--rounds=3] [--warmup=5s] [--measure=20s]
#                          [--concurrency=16] [--rate=200]
#
# About 10 minutes on 2 cores with the defaults (--rounds=1 --measure=10s:
# about 4). Builds first when needed (mvn -B -q -ntp install -DskipTests when
# the agent jar or a class path file is missing or the agent sources are newer
# than the jar; only the integration-tests module when just the benchmark
# classes are missing or stale). What is measured (agent jar, classes, the
# agent's own jars on the JMH class path) is copied first, so that a rebuild
# during the run changes nothing. Every process is bounded in time; on exit,
# normal or not, everything this script started is stopped.
#
# Environment:
#   BENCH_BUILD    auto (default) as above; keep-agent: measure the agent jar
#                  as it is even if its sources are newer.
#   BENCH_TIMEOUT  hard limit of the measuring run in seconds (default 1500).
#
# Output: integration-tests/target/bench/system-report.md (the table, the
# command and per-run details); logs of every process under
# integration-tests/target/bench-system/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

OUT="integration-tests/target/bench-system"
REPORT="integration-tests/target/bench/system-report.md"
AGENT="dist/target/polaris-agent.jar"
CP_FILE="integration-tests/target/runtime-classpath.txt"
JMH_CP_FILE="integration-tests/target/bench-classpath.txt"
CLASSES="integration-tests/target/classes"
TEST_CLASSES="integration-tests/target/test-classes"
DRIVER_CLASS="$CLASSES/org/polarisagent/bench/load/SystemBench.class"
JMH_CLASS="$TEST_CLASSES/org/polarisagent/plugin/grpc/adapter/client/PickerBenchmark.class"
BUILD="${BENCH_BUILD:-auto}"
TIMEOUT="${BENCH_TIMEOUT:-1500}"
COMMAND="./bench-system.sh${*:+ $*}"

fail() {
    printf 'bench-system FAILED: %s\n' "$*" >&2
    exit 1
}

for tool in java mvn timeout; do
    command -v "$tool" >/dev/null 2>&1 || fail "'$tool' is not on the PATH"
done
case "$BUILD" in
    auto | keep-agent) ;;
    *) fail "BENCH_BUILD=$BUILD: expected auto or keep-agent" ;;
esac
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || fail "BENCH_TIMEOUT=$TIMEOUT: expected seconds"

driver_pid=""
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n "$driver_pid" ]] && kill -0 "$driver_pid" 2>/dev/null; then
        # The driver's shutdown hook kills its children and stops the Polaris server.
        kill -TERM "$driver_pid" 2>/dev/null || true
        for _ in $(seq 1 150); do
            kill -0 "$driver_pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "$driver_pid" 2>/dev/null || true
    fi
    # The server also stops by itself once the driver is gone; make sure of it.
    if [[ -d "$OUT/polaris-run" ]]; then
        POLARIS_RUN_DIR="$ROOT/$OUT/polaris-run" \
            integration-tests/polaris-server/polaris-server.sh stop >/dev/null 2>&1 || true
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Any file among the given files and folders newer than $1?
newer_than() {
    local reference="$1"
    shift
    [[ -n "$(find "$@" -type f -newer "$reference" -print -quit 2>/dev/null)" ]]
}

agent_sources() {
    local dir
    for dir in agent-bootstrap agent-core agent-plugins/* dist; do
        [[ -e "$dir/src" ]] && printf '%s\n' "$dir/src"
        [[ -e "$dir/pom.xml" ]] && printf '%s\n' "$dir/pom.xml"
    done
    printf '%s\n' agent-plugins/pom.xml pom.xml
}

rm -rf "$OUT"
mkdir -p "$OUT/snapshot/lib" "$(dirname "$REPORT")"
maven() {
    echo "bench-system: mvn $* (log: $OUT/build.log)"
    if ! mvn "$@" >>"$OUT/build.log" 2>&1; then
        tail -n 30 "$OUT/build.log" >&2
        fail "the Maven build failed (log: $OUT/build.log)"
    fi
}
full_build=false
module_build=false
if [[ ! -f "$AGENT" || ! -f "$CP_FILE" || ! -f "$JMH_CP_FILE" ]]; then
    full_build=true
else
    mapfile -t sources < <(agent_sources)
    if newer_than "$AGENT" "${sources[@]}"; then
        if [[ "$BUILD" == auto ]]; then
            echo "bench-system: agent sources are newer than $AGENT"
            full_build=true
        else
            echo "bench-system: measuring $AGENT although some agent sources are newer (BENCH_BUILD=keep-agent)"
        fi
    fi
    if [[ ! -f "$DRIVER_CLASS" || ! -f "$JMH_CLASS" ]] ||
        newer_than "$DRIVER_CLASS" integration-tests/src/main/java ||
        newer_than "$JMH_CLASS" integration-tests/src/test/java/org/polarisagent/plugin; then
        module_build=true
    fi
fi
if [[ "$full_build" == true ]]; then
    maven -B -q -ntp install -DskipTests
elif [[ "$module_build" == true ]]; then
    maven -B -q -ntp -pl integration-tests process-test-classes
fi
for file in "$AGENT" "$CP_FILE" "$JMH_CP_FILE" "$DRIVER_CLASS" "$JMH_CLASS"; do
    [[ -f "$file" ]] || fail "the build did not produce $file"
done

# A private copy of what is measured.
for attempt in 1 2 3; do
    before="$(stat -c '%s %Y' "$AGENT")"
    cp "$AGENT" "$OUT/snapshot/polaris-agent.jar"
    rm -rf "$OUT/snapshot/classes" "$OUT/snapshot/test-classes"
    cp -r "$CLASSES" "$OUT/snapshot/classes"
    cp -r "$TEST_CLASSES" "$OUT/snapshot/test-classes"
    [[ "$(stat -c '%s %Y' "$AGENT")" == "$before" ]] && break
    ((attempt < 3)) || fail "$AGENT keeps changing (a build is running?); try again later"
    sleep 5
done
# The agent's own jars on the JMH class path (reactor or local repository) are copied too.
jmh_cp=""
IFS=':' read -r -a entries <<<"$(cat "$JMH_CP_FILE")"
for entry in "${entries[@]}"; do
    case "$entry" in
        *.pom) continue ;;
        */org/polarisagent/* | "$ROOT"/*)
            cp "$entry" "$OUT/snapshot/lib/"
            entry="$OUT/snapshot/lib/$(basename "$entry")"
            ;;
    esac
    jmh_cp="$jmh_cp:$entry"
done
jmh_cp="$OUT/snapshot/test-classes:$OUT/snapshot/classes$jmh_cp"

integration-tests/polaris-server/polaris-server.sh build >/dev/null || fail "cannot build the Polaris server"

commit="$(git describe --always --dirty 2>/dev/null || true)"
timeout --signal=TERM --kill-after=60 "$TIMEOUT" \
    java -cp "$OUT/snapshot/classes:$(cat "$CP_FILE")" org.polarisagent.bench.load.SystemBench \
    --agent="$OUT/snapshot/polaris-agent.jar" \
    --server-script="integration-tests/polaris-server/polaris-server.sh" \
    --out="$OUT" --report="$REPORT" --jmh-classpath="$jmh_cp" \
    --command="$COMMAND" ${commit:+--note="commit $commit"} "$@" &
driver_pid=$!
set +e
wait "$driver_pid"
status=$?
set -e
driver_pid=""
exit "$status"
