# Shared steps of bench.sh, bench-system.sh and demo.sh: tool checks, deciding what to build, the Maven call
# and the private copy ("snapshot") of what is measured. Sourced, not run; the caller sets:
#   ROOT       the repository root (the caller cd's there)
#   NAME       the name in messages (bench, bench-system, demo)
#   BUILD_LOG  where Maven's output goes (shown only if the build fails)
# and may set BUILD (auto, the default, or keep-agent: measure the agent jar as it is even if its sources are
# newer) before calling plan_build.

AGENT="dist/target/polaris-agent.jar"
CP_FILE="integration-tests/target/runtime-classpath.txt"
JMH_CP_FILE="integration-tests/target/bench-classpath.txt"
CLASSES="integration-tests/target/classes"
TEST_CLASSES="integration-tests/target/test-classes"

fail() {
    printf '%s FAILED: %s\n' "$NAME" "$*" >&2
    exit 1
}

# Fails unless every named tool is on the PATH.
require_tools() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || fail "'$tool' is not on the PATH"
    done
}

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

# Is class file $1 missing, or is a file under the folders after it newer?
stale() {
    local class="$1"
    shift
    [[ ! -f "$class" ]] || newer_than "$class" "$@"
}

# Sets FULL_BUILD=true when one of the given files is missing, or when the agent sources are newer than the
# agent jar (unless BUILD=keep-agent; then NOTE says so). The caller then sets MODULE_BUILD as it needs.
plan_build() {
    local file sources
    case "${BUILD:-auto}" in
        auto | keep-agent) ;;
        *) fail "BENCH_BUILD=$BUILD: expected auto or keep-agent" ;;
    esac
    FULL_BUILD=false
    MODULE_BUILD=false
    NOTE=""
    for file in "$AGENT" "$@"; do
        [[ -f "$file" ]] || FULL_BUILD=true
    done
    [[ "$FULL_BUILD" == false ]] || return 0
    mapfile -t sources < <(agent_sources)
    if newer_than "$AGENT" "${sources[@]}"; then
        if [[ "${BUILD:-auto}" == auto ]]; then
            echo "$NAME: agent sources are newer than $AGENT"
            FULL_BUILD=true
        else
            echo "$NAME: measuring $AGENT although some agent sources are newer (BENCH_BUILD=keep-agent)"
            NOTE="; agent jar older than some of its sources"
        fi
    fi
}

# Runs Maven with its output in $BUILD_LOG, shown only if it fails.
maven() {
    echo "$NAME: mvn $* (log: ${BUILD_LOG#"$ROOT"/})"
    if ! mvn "$@" >>"$BUILD_LOG" 2>&1; then
        tail -n 30 "$BUILD_LOG" >&2
        fail "the Maven build failed (log: $BUILD_LOG)"
    fi
}

# Builds as plan_build decided: everything (install, tests skipped) or the integration-tests module and the
# modules it needs (from the reactor, not ~/.m2) up to phase $1.
build_as_planned() {
    if [[ "$FULL_BUILD" == true ]]; then
        maven -B -q -ntp install -DskipTests
    elif [[ "$MODULE_BUILD" == true ]]; then
        maven -B -q -ntp -pl integration-tests -am "$1"
    fi
}

# Copies the agent jar and the given class folders into folder $1 (snapshot/polaris-agent.jar,
# snapshot/<folder name>), so that a rebuild during the run cannot change what is measured.
snapshot() {
    local into="$1" attempt before dir
    shift
    mkdir -p "$into"
    for attempt in 1 2 3; do
        before="$(stat -c '%s %Y' "$AGENT")"
        cp "$AGENT" "$into/polaris-agent.jar"
        for dir in "$@"; do
            rm -rf "${into:?}/$(basename "$dir")"
            cp -r "$dir" "$into/$(basename "$dir")"
        done
        [[ "$(stat -c '%s %Y' "$AGENT")" == "$before" ]] && return 0
        ((attempt < 3)) || fail "$AGENT keeps changing (a build is running?); try again later"
        sleep 5
    done
}

# Builds the Polaris server (once; the script caches it).
build_polaris_server() {
    integration-tests/polaris-server/polaris-server.sh build >/dev/null || fail "cannot build the Polaris server"
}
