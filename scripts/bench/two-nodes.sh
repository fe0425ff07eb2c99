#!/usr/bin/env bash
# Two Rebound nodes on one PostgreSQL database under the relay benchmark's load (issue 15).
#
#   smtp-source (N/2 messages, CONC/2 sessions) --> node-a 127.0.0.1:2587 --+
#                                                                          +--> smtp-sink 127.0.0.1:2526
#   smtp-source (N/2 messages, CONC/2 sessions) --> node-b 127.0.0.1:2588 --+
#
# Both nodes are ordinary `rebound serve` processes with the same store URL and their own node.id and ports
# (README "Two nodes on one database"); either may deliver what the other accepted (one queue in the database).
# End to end is measured as in the peer benchmarks (../shared/bench, peer-monitor.py): the two sources' accepted
# counts summed against the sink's count; FIFO latency from those counters.
#
# Usage: scripts/bench/two-nodes.sh JAR JDBC_URL [N [CONC]]
#   JAR       rebound.jar (rebound-server/target/rebound.jar after `mvn -DskipTests package`)
#   JDBC_URL  jdbc:postgresql://... of an empty database or schema (?currentSchema=...); role from
#             REBOUND_STORE_USER / REBOUND_STORE_PASSWORD
#   N, CONC   messages (default 20000) and SMTP sessions (default 20), split half and half
# Environment: JAVA (a JDK >= 21, default java), BENCH_DIR (default ../shared/bench: peer-common.sh,
#   peer-monitor.py; smtp-source and smtp-sink from Debian's postfix). Loopback only; every process it starts is
#   stopped by PID at exit. Prints key=value lines after '--- results ---'.
set -u
JAR=${1:?usage: two-nodes.sh JAR JDBC_URL [N [CONC]]}
URL=${2:?usage: two-nodes.sh JAR JDBC_URL [N [CONC]]}
N=${3:-20000}
CONC=${4:-20}
SIZE=${SIZE:-4096}
JAVA=${JAVA:-java}
BENCH_DIR=${BENCH_DIR:-$(pwd)/../shared/bench}
. "$BENCH_DIR/peer-common.sh"
trap 'cleanup_common' EXIT
trap 'exit 130' INT TERM

for p in 2526 2587 2588 18480 18481; do port_in_use "$p" && die "port $p is in use"; done
WD=$(mktemp -d -t rebound-two-nodes.XXXXXX)
log "work dir $WD"
start_sink 127.0.0.1:2526 "$WD/sink.out"

node() {   # node ID HTTP_PORT SMTP_PORT; sets NODE_PID (not in a subshell: cleanup_common stops STARTED_PIDS)
    REBOUND_NODE_ID=$1 REBOUND_HTTP_LISTEN=127.0.0.1:$2 REBOUND_SMTP_LISTEN=127.0.0.1:$3 REBOUND_STORE_URL=$URL \
    REBOUND_DELIVERY_RELAY=127.0.0.1:2526 REBOUND_DELIVERY_TLS=none \
        "$JAVA" -jar "$JAR" serve >"$WD/$1.log" 2>&1 &
    NODE_PID=$!
    STARTED_PIDS+=("$NODE_PID")
}
ready() { local i=0; until curl -sf "http://127.0.0.1:$1/healthz" >/dev/null; do i=$((i + 1)); [ "$i" -gt 600 ] && return 1; sleep 0.1; done; }
node node-a 18480 2587; PID_A=$NODE_PID
ready 18480 || die "node-a did not start: $(tail -5 "$WD/node-a.log")"
node node-b 18481 2588; PID_B=$NODE_PID
ready 18481 || die "node-b did not start: $(tail -5 "$WD/node-b.log")"
log "node-a pid $PID_A, node-b pid $PID_B"

half=$((N / 2)); sessions=$((CONC / 2))
flags=(-c -N -s "$sessions" -l "$SIZE" -f sender@bench.test -t rcpt@dest.bench.test -M client.bench.test)
base=$($MONITOR sink-count "$WD/sink.out")
c1=$(cpu_snapshot)
t0=$(now)
( smtp-source "${flags[@]}" -m "$half" 127.0.0.1:2587 >"$WD/source-a.out" 2>"$WD/source-a.err" &
  smtp-source "${flags[@]}" -m "$((N - half))" 127.0.0.1:2588 >"$WD/source-b.out" 2>"$WD/source-b.err" &
  wait ) &
SRC=$!
STARTED_PIDS+=("$SRC")
# the two sources' counters summed into one, as the monitor reads a single smtp-source's output
"$PY" - "$WD/source-a.out" "$WD/source-b.out" "$WD/source.out" "$SRC" <<'PY' &
import os, re, sys, time
a, b, out, pid = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
num = re.compile(r"(\d+)\s*$")
def count(p):
    try:
        with open(p, "rb") as f:
            f.seek(0, 2); f.seek(max(0, f.tell() - 64)); t = f.read().decode("ascii", "replace")
    except OSError:
        return 0
    t = t.replace("\r", "\n").strip()
    m = num.search(t.split("\n")[-1]) if t else None
    return int(m.group(1)) if m else 0
def alive():
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False
with open(out, "w") as o:
    while True:
        done = not alive()
        o.write("%d\n" % (count(a) + count(b))); o.flush()
        if done:
            break
        time.sleep(0.02)
PY
SUM=$!
STARTED_PIDS+=("$SUM")
$MONITOR watch --src-out "$WD/source.out" --sink-out "$WD/sink.out" --src-pid "$SRC" --t0 "$t0" --expect "$N" \
    --deadline 900 --sink-base "$base" --samples "$WD/samples.tsv" --stall 60 >"$WD/watch.kv"
c2=$(cpu_snapshot)
wait "$SUM" 2>/dev/null
sleep 2   # a duplicate would arrive late: let the sink count settle
delivered_total=$(( $($MONITOR sink-count "$WD/sink.out") - base ))
attempts() { curl -s "http://127.0.0.1:$1/metrics" | awk '/^rebound_attempts_total/ { s += $2 } END { printf "%d", s }'; }
nodes=$(curl -s http://127.0.0.1:18481/v1/nodes)
echo "--- results ---"
echo "peer=rebound-two-nodes"
print_conditions
echo "store=$(echo "$URL" | sed 's/password=[^&]*/password=…/')"
cat "$WD/watch.kv"
acc=$(sed -n 's/^accepted=//p' "$WD/watch.kv"); e2e=$(sed -n 's/^e2e_s=//p' "$WD/watch.kv")
del=$(sed -n 's/^delivered=//p' "$WD/watch.kv")
echo "e2e_rate=$( [ "$e2e" = NA ] && echo NA || fdiv "$del" "$e2e")"
echo "sink_messages_after_settle=$delivered_total"
echo "duplicates_at_sink=$((delivered_total > acc ? delivered_total - acc : 0))"
echo "attempts_node_a=$(attempts 18480)"
echo "attempts_node_b=$(attempts 18481)"
echo "nodes=$(echo "$nodes" | tr -d '\n' | head -c 600)"
echo "cpu_busy_pct=$(cpu_busy_pct "$c1" "$c2")"
echo "loadavg_after=$(cut -d' ' -f1 /proc/loadavg)"
echo "workdir=$WD"
stop_pid "$PID_B" node-b
stop_pid "$PID_A" node-a
