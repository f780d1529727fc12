#!/usr/bin/env bash
# polaris-agent system benchmarks (see BENCHMARKS.md): per-call cost against
# plain gRPC (closed loop, and the picker alone in JMH), convergence, rolling
# restart, crash, footprint, scale (thousands of instances, subsetting) and
# provider rate limiting, each with its baseline in the same run, against a
# real Polaris server on loopback. Prints one Markdown table. --figures picks
# some (2, 3 for 3 to 5, 6, 7, 8).
#
# Usage: ./bench-system.sh [--rounds=3] [--warmup=20s] [--measure=10s]
#                          [--concurrency=16] [--rate=200] [--figures=2,3,6,7,8]
#                          [--app-jvm-options="-XX:MetaspaceSize=64m"]
#
# About 12 minutes on 2 cores with the defaults: figures 2 and 8 are 16 and 9
# closed-loop runs of 30 s each (20 s of warm-up: a fresh JVM's JIT compilers
# are still busy after 5 s, and the ratios with them). Builds first when
# needed (mvn -B -q -ntp install -DskipTests when the agent jar or a class path
# file is missing or the agent sources are newer than the jar; only the
# integration-tests module when just the benchmark classes are missing or
# stale). What is measured (agent jar, classes, the
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
NAME=bench-system
OUT="integration-tests/target/bench-system"
BUILD_LOG="$OUT/build.log"
REPORT="integration-tests/target/bench/system-report.md"
BUILD="${BENCH_BUILD:-auto}"
TIMEOUT="${BENCH_TIMEOUT:-1500}"
COMMAND="./bench-system.sh${*:+ $*}"
# shellcheck source=integration-tests/scripts/common.sh
source integration-tests/scripts/common.sh
DRIVER_CLASS="$CLASSES/org/polarisagent/bench/load/SystemBench.class"
JMH_CLASS="$TEST_CLASSES/org/polarisagent/plugin/grpc/adapter/client/PickerBenchmark.class"

require_tools java mvn timeout
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

rm -rf "$OUT"
mkdir -p "$OUT/snapshot/lib" "$(dirname "$REPORT")"
plan_build "$CP_FILE" "$JMH_CP_FILE"
if [[ "$FULL_BUILD" == false ]] && { stale "$DRIVER_CLASS" integration-tests/src/main/java ||
    stale "$JMH_CLASS" integration-tests/src/test/java/org/polarisagent/plugin; }; then
    MODULE_BUILD=true
fi
build_as_planned process-test-classes
for file in "$AGENT" "$CP_FILE" "$JMH_CP_FILE" "$DRIVER_CLASS" "$JMH_CLASS"; do
    [[ -f "$file" ]] || fail "the build did not produce $file"
done

# A private copy of what is measured.
snapshot "$OUT/snapshot" "$CLASSES" "$TEST_CLASSES"
# The agent's own jars on the JMH class path (reactor or local repository) are copied too.
jmh_cp=""
IFS=':' read -r -a entries <<<"$(cat "$JMH_CP_FILE")"
for entry in "${entries[@]}"; do
    case "$entry" in
        *.pom) continue ;;
        */org/polarisagent/* | "$ROOT"/*)
            if [[ -d "$entry" ]]; then
                # A module's class folder (a build of integration-tests with -am): named after the module.
                copy="$OUT/snapshot/lib/$(basename "$(dirname "$(dirname "$entry")")")-$(basename "$entry")"
                cp -r "$entry" "$copy"
                entry="$copy"
            else
                cp "$entry" "$OUT/snapshot/lib/"
                entry="$OUT/snapshot/lib/$(basename "$entry")"
            fi
            ;;
    esac
    jmh_cp="$jmh_cp:$entry"
done
jmh_cp="$OUT/snapshot/test-classes:$OUT/snapshot/classes$jmh_cp"

build_polaris_server

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
