#!/usr/bin/env bash
# polaris-agent startup benchmark (see BENCHMARKS.md): the time the agent adds
# before main, and the time from JVM launch to the first successful RPC with
# and without the agent, against a real Polaris server on loopback.
#
# Usage: ./bench.sh [--startup-runs=15] [--first-call-runs=10] [--warmup=1]
#
# Then runs ./bench-system.sh (figures 2 to 6 of BENCHMARKS.md, about 8 minutes) unless BENCH_SYSTEM=0:
# the whole suite takes about 10 minutes on 2 cores.
#
# Builds first when needed (mvn -B -q -ntp install -DskipTests when the agent
# jar or the sample class path is missing or the agent sources are newer than
# the jar; only the integration-tests module when just the benchmark classes
# are missing or stale). The agent jar and the compiled classes are copied
# into the output directory before measuring, so that a rebuild during the run
# cannot change what is measured. Takes two to three minutes on 2 cores.
#
# Environment:
#   BENCH_BUILD   auto (default): as above.
#                 keep-agent: measure the agent jar as it is, even if its
#                 sources are newer (still builds what is missing).
#
# Output: the tables on stdout and in integration-tests/target/bench/report.md,
# raw values in raw.txt, every process's output in logs/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

OUT="$ROOT/integration-tests/target/bench"
AGENT="dist/target/polaris-agent.jar"
CP_FILE="integration-tests/target/runtime-classpath.txt"
CLASSES="integration-tests/target/classes"
BENCH_SRC="integration-tests/src/main/java/org/polarisagent/bench"
BUILD="${BENCH_BUILD:-auto}"

fail() {
    printf 'bench FAILED: %s\n' "$*" >&2
    exit 1
}
# set -e ends the script on any unexpected failure; say where.
trap 'printf "bench FAILED: unexpected error at line %s: %s\n" "$LINENO" "$BASH_COMMAND" >&2' ERR

for tool in java mvn; do
    command -v "$tool" >/dev/null 2>&1 || fail "'$tool' is not on the PATH"
done

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

case "$BUILD" in
    auto | keep-agent) ;;
    *) fail "BENCH_BUILD=$BUILD: expected auto or keep-agent" ;;
esac
note=""
full_build=false
module_build=false
if [[ ! -f "$AGENT" || ! -f "$CP_FILE" ]]; then
    full_build=true
else
    mapfile -t sources < <(agent_sources)
    if newer_than "$AGENT" "${sources[@]}"; then
        if [[ "$BUILD" == auto ]]; then
            echo "bench: agent sources are newer than $AGENT"
            full_build=true
        else
            echo "bench: measuring $AGENT although some agent sources are newer (BENCH_BUILD=keep-agent)"
            note="; agent jar older than some of its sources"
        fi
    fi
    if [[ ! -f "$CLASSES/org/polarisagent/bench/BenchRunner.class" ]] ||
        newer_than "$CLASSES/org/polarisagent/bench/BenchRunner.class" "$BENCH_SRC"; then
        module_build=true
    fi
fi
rm -rf "$OUT"
mkdir -p "$OUT/snapshot"
# Runs Maven with its output in $OUT/build.log, shown only if it fails.
maven() {
    echo "bench: mvn $* (log: ${OUT#"$ROOT"/}/build.log)"
    if ! mvn "$@" >>"$OUT/build.log" 2>&1; then
        tail -n 30 "$OUT/build.log" >&2
        fail "the Maven build failed (log: $OUT/build.log)"
    fi
}
if [[ "$full_build" == true ]]; then
    maven -B -q -ntp install -DskipTests
elif [[ "$module_build" == true ]]; then
    maven -B -q -ntp -pl integration-tests process-classes
fi
[[ -f "$AGENT" && -f "$CP_FILE" && -f "$CLASSES/org/polarisagent/bench/BenchRunner.class" ]] ||
    fail "the build did not produce $AGENT, $CP_FILE and the benchmark classes"

# A private copy of what is measured.
for attempt in 1 2 3; do
    before="$(stat -c '%s %Y' "$AGENT")"
    cp "$AGENT" "$OUT/snapshot/polaris-agent.jar"
    rm -rf "$OUT/snapshot/classes"
    cp -r "$CLASSES" "$OUT/snapshot/classes"
    [[ "$(stat -c '%s %Y' "$AGENT")" == "$before" ]] && break
    ((attempt < 3)) || fail "$AGENT keeps changing (a build is running?); try again later"
    sleep 5
done

"integration-tests/polaris-server/polaris-server.sh" build >/dev/null || fail "cannot build the Polaris server"

commit="$(git describe --always --dirty 2>/dev/null || true)"
[[ -z "$commit" ]] || note="commit $commit$note"
java -cp "$OUT/snapshot/classes:$(cat "$CP_FILE")" org.polarisagent.bench.BenchRunner \
    --agent="$OUT/snapshot/polaris-agent.jar" \
    --server-script="integration-tests/polaris-server/polaris-server.sh" \
    --out="$OUT" ${note:+--note="${note#; }"} "$@"

# Then the system figures (per-call cost, convergence, restarts, crash, footprint): the one command runs all.
if [[ "${BENCH_SYSTEM:-1}" != 0 ]]; then
    BENCH_BUILD=keep-agent "$ROOT/bench-system.sh"
fi
