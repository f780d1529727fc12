#!/usr/bin/env bash
# Runs a real Polaris cluster for the polaris-agent integration tests: a
# private MariaDB (from Debian's packages) holding the schema the server
# module ships, and two Polaris server nodes (our polaris-server program with
# the MySQL store and the leader-based heartbeat checker) sharing it. All on
# loopback.
#
# Usage: polaris-cluster.sh start|stop|status|kill-node N|start-node N|token
#
#   start         Install MariaDB if missing, start a private instance with a
#                 fresh data directory, load the schema, start nodes 1 and 2
#                 and wait until both serve. Prints one line per part:
#                   mariadb started: port=P pid=N
#                   node 1 started: http=127.0.0.1:H grpc=127.0.0.1:G ...
#                   node 2 started: http=127.0.0.2:H grpc=127.0.0.2:G ...
#   stop          Stop the nodes and the MariaDB instance this script started
#                 (never the system's MariaDB service).
#   status        One line per part; exit 0 if all run, 3 if not.
#   kill-node N   SIGKILL node N (1 or 2): a crash, no deregistration.
#   start-node N  Start node N again on the same store and ports.
#   token         Print the console admin token (header X-Polaris-Token).
#
# Why two addresses: a Polaris node names itself by its address alone (the
# leader election row, the checker instance, and a follower dials the leader
# at the leader's address on its own gRPC port). Two nodes on one address
# would each see themselves as the leader. So node N listens on 127.0.0.N,
# both on the same ports, as two hosts of a real cluster would; 127.0.0.2 is
# on the loopback interface too.
#
# Environment:
#   POLARIS_CLUSTER_DIR   Run directory: MariaDB data and log (mariadb/),
#                         node run directories (node-1/, node-2/). Default:
#                         integration-tests/target/polaris-cluster-run.
#   POLARIS_HTTP_PORT     HTTP OpenAPI port of every node (default 8290).
#   POLARIS_GRPC_PORT     gRPC client API port of every node (default 8291).
#   POLARIS_DB_PORT       MariaDB port on 127.0.0.1 (default 8292).
#   POLARIS_WATCH_PID     If set, the nodes and MariaDB stop themselves once
#                         this process is gone (pass the test JVM's pid).
#   POLARIS_START_TIMEOUT Seconds to wait for each part (default 60).
# The server binary is built and cached by polaris-server.sh (see there).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NAME=polaris-cluster
SERVER="$HERE/polaris-server.sh"
HTTP_PORT="${POLARIS_HTTP_PORT:-8290}"
GRPC_PORT="${POLARIS_GRPC_PORT:-8291}"
DB_PORT="${POLARIS_DB_PORT:-8292}"
START_TIMEOUT="${POLARIS_START_TIMEOUT:-60}"
DB_USER=polaris
DB_PASSWORD=polaris-test
# The database's administrator: this system user, through the socket.
DB_ADMIN="$(id -un)"

log() { printf '%s\n' "$*" >&2; }
die() { log "$NAME: $*"; exit 1; }

for p in "$HTTP_PORT" "$GRPC_PORT" "$DB_PORT"; do
    [[ "$p" =~ ^[0-9]+$ ]] || die "invalid port '$p'"
done

run_dir() {
    local dir="${POLARIS_CLUSTER_DIR:-$HERE/../target/$NAME-run}"
    mkdir -p "$dir"
    (cd "$dir" && pwd -P)
}

DIR="$(run_dir)"
DB_DIR="$DIR/mariadb"

node_ip() {
    [[ "${1:-}" =~ ^[12]$ ]] || die "node must be 1 or 2, not '${1:-}'"
    printf '127.0.0.%s\n' "$1"
}

# Runs polaris-server.sh for node $1 with its own address, run directory and
# configuration.
server() {
    local n="$1"
    shift
    POLARIS_RUN_DIR="$DIR/node-$n" POLARIS_LISTEN_IP="$(node_ip "$n")" \
        POLARIS_CONFIG="$DIR/node-$n.yaml" POLARIS_HTTP_PORT="$HTTP_PORT" \
        POLARIS_GRPC_PORT="$GRPC_PORT" POLARIS_START_TIMEOUT="$START_TIMEOUT" "$SERVER" "$@"
}

# The single-node configuration with what a cluster node changes: its
# address, the MySQL store and the leader-based heartbeat checker.
write_node_config() {
    local n="$1" ip out
    ip="$(node_ip "$n")"
    out="$DIR/node-$n.yaml"
    awk -v ip="$ip" -v db="127.0.0.1:$DB_PORT" -v user="$DB_USER" -v pwd="$DB_PASSWORD" '
        /^store:/ {
            print "store:"
            print "  name: defaultStore"
            print "  option:"
            print "    master:"
            print "      dbType: mysql"
            print "      dbName: polaris_server"
            print "      dbUser: " user
            print "      dbPwd: " pwd
            print "      dbAddr: " db
            print "      maxOpenConns: 50"
            print "      maxIdleConns: 10"
            skip = 1
            next
        }
        skip && /^[^ ]/ { skip = 0 }
        skip { next }
        { gsub(/127\.0\.0\.1/, ip) }
        /- name: heartbeatMemory$/ { sub(/heartbeatMemory/, "heartbeatLeader") }
        { print }
    ' "$HERE/polaris-server.yaml" >"$out"
    grep -q 'heartbeatLeader' "$out" && grep -q 'dbType: mysql' "$out" && grep -q "listenIP: $ip" "$out" ||
        die "cannot derive the cluster configuration from polaris-server.yaml"
}

# --- MariaDB --------------------------------------------------------------

MARIADBD=/usr/sbin/mariadbd

ensure_mariadb() {
    if [[ -x "$MARIADBD" ]] && command -v mariadb >/dev/null && command -v mariadb-install-db >/dev/null; then
        return
    fi
    local packages=(mariadb-server-core mariadb-client-core) sudo=()
    if [[ "$(id -u)" != 0 ]]; then
        sudo -n true 2>/dev/null || die "MariaDB is not installed and installing it needs root: apt-get install ${packages[*]}"
        sudo=(sudo -n)
    fi
    log "$NAME: installing ${packages[*]} from Debian's packages"
    if ! DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${packages[@]}" >&2; then
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -q >&2 || true
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${packages[@]}" >&2 ||
            die "cannot install ${packages[*]} with apt-get"
    fi
    [[ -x "$MARIADBD" ]] || die "$MARIADBD missing after installing ${packages[*]}"
}

db_pid() {
    local pid args
    [[ -f "$DB_DIR/mariadb.pid" ]] || return 1
    pid="$(cat "$DB_DIR/mariadb.pid")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    args="$(ps -ww -o args= -p "$pid" 2>/dev/null || true)"
    [[ "$args" == *"--datadir=$DB_DIR/data"* ]] || return 1
    printf '%s\n' "$pid"
}

# The server's socket lives in a short directory of its own: a socket path
# may not be longer than 107 bytes, and run directories can be.
socket_path() {
    printf '%s/mariadb.sock\n' "$(cat "$DB_DIR/socket-dir")"
}

sql() {
    mariadb --no-defaults --socket="$(socket_path)" -u"$DB_ADMIN" "$@"
}

# Removes the socket directory of the last MariaDB started here, if any.
remove_socket_dir() {
    if [[ -f "$DB_DIR/socket-dir" ]]; then
        rm -rf "$(cat "$DB_DIR/socket-dir")"
        rm -f "$DB_DIR/socket-dir"
    fi
}

db_start() {
    local pid deadline user=()
    ensure_mariadb
    ! db_pid >/dev/null || die "MariaDB already running in $DB_DIR; stop first"
    ! (exec 3<>"/dev/tcp/127.0.0.1/$DB_PORT") 2>/dev/null || die "port 127.0.0.1:$DB_PORT is already in use"
    [[ "$(id -u)" != 0 ]] || user=(--user=root)
    remove_socket_dir
    rm -rf "$DB_DIR"
    mkdir -p "$DB_DIR/data"
    mktemp -d "${TMPDIR:-/tmp}/polaris-db.XXXXXX" >"$DB_DIR/socket-dir"
    mariadb-install-db --no-defaults --datadir="$DB_DIR/data" --auth-root-authentication-method=socket \
        --auth-root-socket-user="$DB_ADMIN" --skip-test-db "${user[@]}" >"$DB_DIR/install.log" 2>&1 ||
        { tail -n 20 "$DB_DIR/install.log" >&2; die "mariadb-install-db failed"; }
    # Small and fast: a test store is thrown away, so no durability on
    # commit and a small buffer pool.
    nohup "$MARIADBD" --no-defaults "${user[@]}" --datadir="$DB_DIR/data" --socket="$(socket_path)" \
        --port="$DB_PORT" --bind-address=127.0.0.1 --skip-name-resolve --pid-file="$DB_DIR/mariadb.pid" \
        --log-error="$DB_DIR/mariadb.log" --innodb-buffer-pool-size=64M --innodb-flush-log-at-trx-commit=0 \
        --max-connections=300 </dev/null >/dev/null 2>&1 &
    pid=$!
    printf '%s\n' "$pid" >"$DB_DIR/mariadb.pid"
    deadline=$((SECONDS + START_TIMEOUT))
    until sql -e 'select 1' >/dev/null 2>&1; do
        kill -0 "$pid" 2>/dev/null || { tail -n 20 "$DB_DIR/mariadb.log" >&2; die "MariaDB exited during start-up"; }
        ((SECONDS < deadline)) || { kill -KILL "$pid"; tail -n 20 "$DB_DIR/mariadb.log" >&2; die "MariaDB not up after $START_TIMEOUT s"; }
        sleep 0.2
    done
    sql <"$(schema)" || die "loading the schema failed"
    sql -e "CREATE USER '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
            GRANT ALL PRIVILEGES ON polaris_server.* TO '$DB_USER'@'127.0.0.1';" || die "creating the database user failed"
    echo "mariadb started: port=$DB_PORT pid=$pid"
}

# The schema shipped in the server module the binary is built from.
schema() {
    local moddir
    moddir="$(cd "$HERE" && GOWORK=off GOFLAGS=-mod=readonly "${GO:-go}" list -m -f '{{.Dir}}' github.com/polarismesh/polaris)" ||
        die "cannot locate the Polaris server module (build it first: polaris-server.sh build)"
    [[ -f "$moddir/store/mysql/scripts/polaris_server.sql" ]] || die "no schema in $moddir"
    printf '%s\n' "$moddir/store/mysql/scripts/polaris_server.sql"
}

db_stop() {
    local pid
    pid="$(db_pid)" || { remove_socket_dir; echo "mariadb not running"; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    remove_socket_dir
    rm -f "$DB_DIR/mariadb.pid"
    echo "mariadb stopped: pid=$pid"
}

# Stops MariaDB once the watched process is gone (the nodes watch it
# themselves).
watch_db() {
    local watched="$1" pid
    pid="$(db_pid)" || return 0
    nohup bash -c 'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done
        kill -0 "$1" 2>/dev/null || kill -TERM "$2" 2>/dev/null' \
        _ "$watched" "$pid" </dev/null >/dev/null 2>&1 &
}

# Waits until node $1 knows the heartbeat leader (itself or the other node):
# before that it refuses heartbeats ("leader checker uninitialize"). The first
# election of a new store waits for one lease (10 s).
await_leader() {
    local n="$1" deadline=$((SECONDS + START_TIMEOUT))
    until grep -q '\[HealthCheck\]\[Leader\] self become \(leader\|follower\)' "$DIR/node-$n/polaris-server.log" 2>/dev/null; do
        ((SECONDS < deadline)) || die "node $n knows no heartbeat leader after $START_TIMEOUT s (log: $DIR/node-$n/polaris-server.log)"
        sleep 0.2
    done
}

# --- commands -------------------------------------------------------------

cmd_start() {
    "$SERVER" build >/dev/null
    # Whatever fails from here on, what was started is stopped again.
    trap 'cmd_stop >&2 || true' EXIT
    db_start
    [[ -z "${POLARIS_WATCH_PID:-}" ]] || watch_db "$POLARIS_WATCH_PID"
    for n in 1 2; do
        write_node_config "$n"
        printf 'node %s ' "$n"
        server "$n" start || die "node $n did not start"
    done
    for n in 1 2; do
        await_leader "$n"
    done
    trap - EXIT
}

cmd_stop() {
    for n in 1 2; do
        printf 'node %s: ' "$n"
        server "$n" stop
    done
    db_stop
}

cmd_status() {
    local rc=0
    for n in 1 2; do
        printf 'node %s: ' "$n"
        server "$n" status || rc=3
    done
    local pid
    if pid="$(db_pid)"; then echo "mariadb running: port=$DB_PORT pid=$pid"; else echo "mariadb not running"; rc=3; fi
    return $rc
}

cmd_kill_node() {
    local n="$1" pid state
    node_ip "$n" >/dev/null
    pid="$(cat "$DIR/node-$n/polaris-server.pid" 2>/dev/null)" || die "node $n is not running"
    [[ "$(ps -ww -o args= -p "$pid" 2>/dev/null)" == *" -dir $DIR/node-$n"* ]] || die "node $n is not running"
    kill -KILL "$pid"
    # Gone once it is no process or a zombie (its parent is not this script).
    local deadline=$((SECONDS + 10))
    while state="$(ps -o stat= -p "$pid" 2>/dev/null)" && [[ -n "$state" && "$state" != Z* ]]; do
        ((SECONDS < deadline)) || die "node $n (pid $pid) still alive 10 s after SIGKILL"
        sleep 0.01
    done
    rm -f "$DIR/node-$n/polaris-server.pid" "$DIR/node-$n/polaris-server.ports"
    echo "node $n killed: pid=$pid"
}

cmd_start_node() {
    local n="$1"
    node_ip "$n" >/dev/null
    db_pid >/dev/null || die "MariaDB is not running: start the cluster first"
    [[ -f "$DIR/node-$n.yaml" ]] || write_node_config "$n"
    printf 'node %s ' "$n"
    server "$n" start
    await_leader "$n"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    kill-node) cmd_kill_node "${2:-}" ;;
    start-node) cmd_start_node "${2:-}" ;;
    token) "$SERVER" token ;;
    *)
        log "usage: $0 start|stop|status|kill-node N|start-node N|token   (see the header of this script)"
        exit 2
        ;;
esac
