#!/usr/bin/env bash
# polaris-agent startup benchmark (see BENCHMARKS.md): the time the agent adds
# before main, and the time from JVM launch to the first successful RPC with
# and without the agent, against a real Polaris server on loopback.
#
# Usage: ./bench.sh [--startup-runs=15] [--first-call-runs=10] [--warmup=1]
#
# Then the interop figure (see below), then ./bench-system.sh (figures 2 to 8 of BENCHMARKS.md, about
# 9 minutes for 2 to 6 and 8 more for 7 and 8) unless BENCH_SYSTEM=0: the whole suite takes about 21
# minutes on 2 cores.
#
# Builds first when needed (mvn -B -q -ntp install -DskipTests when the agent
# jar or the sample class path is missing or the agent sources are newer than
# the jar; only the integration-tests module when just the benchmark classes
# are missing or stale). The agent jar and the compiled classes are copied
# into the output directory before measuring, so that a rebuild during the run
# cannot change what is measured. Takes two to three minutes on 2 cores.
#
# Then the interop figure (the gRPC team's TestServiceClient, one large_unary
# call then exit, without and with the agent; 8 runs per case, about 2 minutes)
# unless BENCH_INTEROP=0 (BENCH_INTEROP_RUNS sets the runs).
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
NAME=bench
OUT="$ROOT/integration-tests/target/bench"
BUILD_LOG="$OUT/build.log"
BUILD="${BENCH_BUILD:-auto}"
# The release of io.grpc:grpc-interop-testing whose client and server the interop figure runs.
INTEROP_VERSION=1.79.0
# shellcheck source=integration-tests/scripts/common.sh
source integration-tests/scripts/common.sh
# set -e ends the script on any unexpected failure; say where.
trap 'printf "bench FAILED: unexpected error at line %s: %s\n" "$LINENO" "$BASH_COMMAND" >&2' ERR

require_tools java mvn
plan_build "$CP_FILE"
note="$NOTE"
if [[ "$FULL_BUILD" == false ]] && stale "$CLASSES/org/polarisagent/bench/BenchRunner.class" \
    integration-tests/src/main/java; then
    MODULE_BUILD=true
fi
rm -rf "$OUT"
mkdir -p "$OUT/snapshot"
build_as_planned process-classes
[[ -f "$AGENT" && -f "$CP_FILE" && -f "$CLASSES/org/polarisagent/bench/BenchRunner.class" ]] ||
    fail "the build did not produce $AGENT, $CP_FILE and the benchmark classes"

# A private copy of what is measured.
snapshot "$OUT/snapshot" "$CLASSES"
build_polaris_server

commit="$(git describe --always --dirty 2>/dev/null || true)"
[[ -z "$commit" ]] || note="commit $commit$note"
java -cp "$OUT/snapshot/classes:$(cat "$CP_FILE")" org.polarisagent.bench.BenchRunner \
    --agent="$OUT/snapshot/polaris-agent.jar" \
    --server-script="integration-tests/polaris-server/polaris-server.sh" \
    --out="$OUT" ${note:+--note="${note#; }"} "$@"

# The gRPC team's interop client, one call then exit, without and with the agent (fixed cost on a real app).
if [[ "${BENCH_INTEROP:-1}" != 0 ]]; then
    interop_cp="$(integration-tests/grpc-versions/classpath.sh "$INTEROP_VERSION" interop)" ||
        fail "cannot resolve io.grpc:grpc-interop-testing:$INTEROP_VERSION"
    java -cp "$OUT/snapshot/classes:$(cat "$CP_FILE")" org.polarisagent.bench.InteropCost \
        --agent="$OUT/snapshot/polaris-agent.jar" \
        --server-script="integration-tests/polaris-server/polaris-server.sh" \
        --classpath="$interop_cp" --out="$OUT" --runs="${BENCH_INTEROP_RUNS:-8}"
fi
# Then the system figures (per-call cost, convergence, restarts, crash, footprint): the one command runs all.
if [[ "${BENCH_SYSTEM:-1}" != 0 ]]; then
    BENCH_BUILD=keep-agent "$ROOT/bench-system.sh"
fi
