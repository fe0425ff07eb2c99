#!/usr/bin/env bash
# The relay benchmark without and with outbound webhooks (issue 11: "relay throughput with webhooks on should stay
# within 15 % of the figure without"), alternating off/on in one sitting, as the machine varies by day and hour.
#
#   smtp-source --SMTP--> rebound 127.0.0.1:2587 --SMTP--> smtp-sink 127.0.0.1:2526
#                                   |
#                                   +--HTTP (webhooks on)--> webhook-sink 127.0.0.1:9099/hook
#
# The load and its figures come from the shared peer benchmark (peer-target.sh: 20,000 x 4 KB, 20 sessions, one
# message per connection; end to end from the generator's and the MX sink's counters). With webhooks on, one endpoint
# is subscribed to every event (final-only: false, so `accepted` and `delivered` per message) and the application
# side is webhook-sink.c, a small C server built here, so the CPU of the receiver stays out of Rebound's figure as
# smtp-sink keeps the MX's out of it. After the load, the run waits (up to 2 minutes) until the service shows no
# webhook pending and the sink has counted at least EVENTS_PER_MESSAGE requests per accepted message.
#
# Usage: scripts/bench/relay-webhooks.sh JAR [RUNS]
#   JAR   rebound.jar (`mvn -B -q -DskipTests package -pl rebound-server -am` makes rebound-server/target/rebound.jar)
#   RUNS  off/on pairs (default 2); each run has its own service and a fresh SQLite store in a temporary directory
# Environment:
#   JAVA                a JDK >= 21's java (default: found as the `rebound` launcher does: JAVA_HOME, then the newest
#                       JDK >= 21 installed next to the default java)
#   JAVA_OPTS           extra JVM options for the service
#   REBOUND_STORE_URL   another store for every run instead (e.g. jdbc:postgresql://...?currentSchema=...; role
#                       from REBOUND_STORE_USER / REBOUND_STORE_PASSWORD); it must be empty at the start, and every
#                       run then adds to it
#   REBOUND_SHARED      the shared material (default: ../shared next to the repository): bench/peer-target.sh
#   N                   messages per run (default 20000; passed on to peer-target.sh)
#   FINAL_ONLY          the endpoint's final-only switch (default false: every event; true, the default of an
#                       endpoint: final outcomes only, `delivered` here, so set EVENTS_PER_MESSAGE=1 with it)
#   EVENTS_PER_MESSAGE  webhook requests expected per accepted message (default 2: accepted, delivered)
# Needs: root (peer-target.sh starts smtp-sink as nobody and installs Debian's postfix for its tools when they are
# missing), gcc, curl, ss. Loopback only; ports 2526, 2587, 18480 and 9099 must be free (run it under a lock shared
# with other relay benchmarks). Every process it starts is stopped by PID at exit; logs stay in the work directory.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
JAR=${1:-}
RUNS=${2:-2}
N=${N:-20000}; export N
FINAL_ONLY=${FINAL_ONLY:-false}
EVENTS_PER_MESSAGE=${EVENTS_PER_MESSAGE:-2}
SHARED=${REBOUND_SHARED:-$ROOT/../shared}
BENCH_DIR=$SHARED/bench

say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
fail() { say "relay-webhooks: $*"; exit 1; }

[ -n "$JAR" ] || fail "usage: relay-webhooks.sh JAR [RUNS] (see the comment atop $0)"
[ -f "$JAR" ] || fail "no jar at '$JAR': build it with: mvn -B -q -DskipTests package -pl rebound-server -am"
JAR=$(cd "$(dirname "$JAR")" && pwd)/$(basename "$JAR")
case "$RUNS" in '' | *[!0-9]* | 0) fail "RUNS must be a positive number of off/on pairs, not '$RUNS'" ;; esac
[ -f "$BENCH_DIR/peer-target.sh" ] && [ -f "$BENCH_DIR/peer-common.sh" ] \
    || fail "the shared bench scripts are not in '$BENCH_DIR' (peer-target.sh, peer-common.sh); set REBOUND_SHARED"
[ "$(id -u)" = 0 ] || fail "run as root: peer-target.sh starts smtp-sink as nobody (and installs postfix when missing)"
for t in gcc curl ss; do command -v "$t" >/dev/null || fail "'$t' is not installed (apt-get install $t)"; done

java_major() {
    "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | sed 's/^1\.//'
}
find_java() {   # like the `rebound` launcher: JAVA_HOME when >= 21, else the newest JDK >= 21 beside the default java
    local best="" best_major=0 d m dir
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
        m=$(java_major "$JAVA_HOME/bin/java")
        [ -n "$m" ] && [ "$m" -ge 21 ] && { echo "$JAVA_HOME/bin/java"; return 0; }
    fi
    command -v java >/dev/null || return 1
    dir=$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
    for d in "$dir"/*/; do
        d=${d%/}
        [ -x "$d/bin/javac" ] && [ -x "$d/bin/java" ] || continue
        m=$(java_major "$d/bin/java")
        [ -n "$m" ] && [ "$m" -ge 21 ] && [ "$m" -gt "$best_major" ] || continue
        best="$d/bin/java"; best_major=$m
    done
    [ -n "$best" ] && echo "$best"
}
JAVA=${JAVA:-$(find_java)}
[ -n "$JAVA" ] || fail "no JDK 21 or newer found (JAVA_HOME=${JAVA_HOME:-unset}); set JAVA to one's bin/java"
m=$(java_major "$JAVA")
[ -n "$m" ] && [ "$m" -ge 21 ] || fail "$JAVA is Java ${m:-?}; the service needs 21 or newer (set JAVA)"

. "$BENCH_DIR/peer-common.sh"   # log, die, alive, port_in_use, wait_port, stop_pid, cleanup_common
for p in 2526 2587 18480 9099; do port_in_use "$p" && fail "port $p is in use (another benchmark running?)"; done

WD=$(mktemp -d -t rebound-relay-webhooks.XXXXXX)
SVC_PID=""; SINK_PID=""
cleanup() {
    [ -n "$SVC_PID" ] && stop_service
    [ -n "$SINK_PID" ] && stop_pid "$SINK_PID" webhook-sink
    cleanup_common
}
trap cleanup EXIT
trap 'exit 130' INT TERM
say "work dir $WD (logs of every run; the stores are deleted after each run)"

gcc -O2 -Wall -Wextra -o "$WD/webhook-sink" "$ROOT/scripts/bench/webhook-sink.c" 2>"$WD/gcc.log" \
    || fail "building webhook-sink failed: $(cat "$WD/gcc.log")"
[ -s "$WD/gcc.log" ] && fail "webhook-sink.c compiles with warnings: $(cat "$WD/gcc.log")"

HZ=$(getconf CLK_TCK)
proc_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }   # utime + stime (fields 14, 15)
metrics_pending() {   # rebound_webhook_pending summed over endpoints; NA when /metrics does not answer
    local m
    m=$(curl -sf --max-time 5 http://127.0.0.1:18480/metrics) || { echo NA; return; }
    printf '%s\n' "$m" | awk '/^rebound_webhook_pending[{ ]/ { s += $NF } END { printf "%d", s }'
}
sink_dump() {   # asks the running sink to write its counters (SIGUSR1) to $RUN_DIR/sink.kv and waits for them
    local f=$RUN_DIR/sink.kv i=0
    rm -f "$f"
    kill -USR1 "$SINK_PID" 2>/dev/null || return 1
    while [ ! -s "$f" ] && [ "$i" -lt 250 ]; do sleep 0.02; i=$((i + 1)); done
    [ -s "$f" ]
}
sink_cpu_us() {
    sink_dump && awk -F= '/^cpu_(user|sys)_us=/ { s += $2 } END { print s + 0 }' "$RUN_DIR/sink.kv" || echo NA
}
sink_requests() { sink_dump && kv requests "$RUN_DIR/sink.kv" || echo NA; }
stop_service() {   # TERM, then up to 30 s for a clean stop, then KILL (that PID only)
    local i=0
    kill -TERM "$SVC_PID" 2>/dev/null
    while alive "$SVC_PID" && [ "$i" -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    if alive "$SVC_PID"; then say "service $SVC_PID ignored TERM for 30 s; sending KILL"; kill -KILL "$SVC_PID"; fi
    wait "$SVC_PID" 2>/dev/null
    SVC_PID=""
}
kv() { sed -n "s/^$1=//p" "$2" | tail -1; }
log_tail() { printf '; the end of its log:\n'; tail -20 "$RUN_DIR/serve.log"; }
ratio() {   # a / b with 3 decimals, NA when either is unknown
    awk -v a="$1" -v b="$2" 'BEGIN { if (a != "NA" && b + 0 > 0) printf "%.3f", a / b; else print "NA" }'
}

run_one() {   # run_one PAIR MODE(off|on): prints one result line, sets E2E
    local pair=$1 mode=$2 store secret load t0 t1 r0 r1 peer acc del e2e p50 reqs pending i note
    RUN_DIR=$WD/run$pair-$mode
    mkdir -p "$RUN_DIR"
    store=${REBOUND_STORE_URL:-jdbc:sqlite:$RUN_DIR/rebound.db}
    if [ "$mode" = on ]; then
        secret="whsec_$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
        cat >"$RUN_DIR/rebound.yaml" <<EOF
webhooks:
  endpoints:
    - id: bench
      url: http://127.0.0.1:9099/hook
      secret: $secret
      final-only: ${FINAL_ONLY}
EOF
        "$WD/webhook-sink" -l 127.0.0.1:9099 -c "$RUN_DIR/sink.kv" >"$RUN_DIR/sink.log" 2>&1 &
        SINK_PID=$!
        wait_port 9099 10 || fail "webhook-sink did not start: $(cat "$RUN_DIR/sink.log")"
    else
        printf 'webhooks:\n  endpoints: []\n' >"$RUN_DIR/rebound.yaml"
    fi
    # shellcheck disable=SC2086  # JAVA_OPTS is a list of options
    (cd "$RUN_DIR" && exec env REBOUND_DELIVERY_RELAY=127.0.0.1:2526 REBOUND_STORE_URL="$store" \
        REBOUND_HTTP_LISTEN=127.0.0.1:18480 REBOUND_SMTP_LISTEN=127.0.0.1:2587 REBOUND_DELIVERY_TLS=none \
        REBOUND_CONFIG="$RUN_DIR/rebound.yaml" "$JAVA" ${JAVA_OPTS:-} -jar "$JAR" serve) >"$RUN_DIR/serve.log" 2>&1 &
    SVC_PID=$!
    i=0
    until curl -sf --max-time 2 http://127.0.0.1:18480/healthz >/dev/null && port_in_use 2587; do
        alive "$SVC_PID" && [ "$i" -lt 120 ] \
            || fail "the service did not start (run $pair $mode)$(log_tail)"
        sleep 0.5; i=$((i + 1))
    done

    load=$(cut -d' ' -f1 /proc/loadavg)
    t0=$(proc_ticks "$SVC_PID")
    r0=NA; [ "$mode" = on ] && r0=$(sink_cpu_us)
    say "run $pair $mode: load $load, sending $N messages"
    bash "$BENCH_DIR/peer-target.sh" --name "rebound-webhooks-$mode" \
        --queue-cmd "'$JAVA' -jar '$JAR' queue --depth-only --url http://127.0.0.1:18480" 127.0.0.1:2587 \
        >"$RUN_DIR/peer.out" 2>"$RUN_DIR/peer.err"
    peer=$RUN_DIR/peer.out
    grep -q -- '--- results ---' "$peer" \
        || fail "peer-target.sh failed (run $pair $mode): $(tail -5 "$RUN_DIR/peer.err")"
    acc=$(kv accepted "$peer"); del=$(kv delivered "$peer")
    e2e=$(kv e2e_rate "$peer"); p50=$(kv fifo_lat_p50_s "$peer")
    acc=${acc:-0}; del=${del:-0}
    note="$del/$acc delivered"
    [ "$(kv queue_after "$peer")" = 0 ] || note="$note, queue not empty after 60 s ($(kv queue_after "$peer"))"
    [ "$(kv timed_out "$peer")" = 1 ] && note="$note, load timed out"

    reqs=NA
    if [ "$mode" = on ]; then
        local want=$((acc * EVENTS_PER_MESSAGE))
        i=0
        while :; do
            pending=$(metrics_pending); reqs=$(sink_requests)
            case "$reqs" in '' | *[!0-9]*) fail "webhook-sink is gone (run $pair): $(cat "$RUN_DIR/sink.log")" ;; esac
            [ "$pending" = 0 ] && [ "$reqs" -ge "$want" ] && break
            if [ "$i" -ge 240 ]; then
                note="$note, webhooks not done after 2 min: pending $pending, $reqs of $want"; break
            fi
            [ $((i % 10)) = 0 ] && say "  webhooks: pending $pending, sink $reqs of $want requests"
            sleep 0.5; i=$((i + 1))
        done
    fi
    alive "$SVC_PID" || fail "the service died during run $pair $mode$(log_tail)"
    t1=$(proc_ticks "$SVC_PID")
    r1=NA; [ "$mode" = on ] && r1=$(sink_cpu_us)
    stop_service
    [ -n "$SINK_PID" ] && { stop_pid "$SINK_PID" webhook-sink; SINK_PID=""; }
    [ -z "${REBOUND_STORE_URL:-}" ] && rm -f "$RUN_DIR"/rebound.db*

    local svc_ms rcv_ms
    svc_ms=$(ratio "$(( (t1 - t0) * 1000 / HZ ))" "$del")
    rcv_ms=NA
    [ "$mode" = on ] && [ "$r0" != NA ] && [ "$r1" != NA ] \
        && rcv_ms=$(ratio "$(awk -v a="$r0" -v b="$r1" 'BEGIN { print (b - a) / 1000 }')" "$del")
    printf '%-4s %-5s %8s %12s %10s %14s %15s %10s  %s\n' "$pair" "$mode" "$load" "$e2e" "$p50" "$svc_ms" "$rcv_ms" \
        "$reqs" "$note"
    E2E=$e2e
}

say "java $JAVA (Java $m), jar $JAR, $RUNS pair(s) of $N messages," \
    "store $(printf '%s' "${REBOUND_STORE_URL:-fresh SQLite per run}" | sed 's/password=[^&]*/password=.../')"
printf '%-4s %-5s %8s %12s %10s %14s %15s %10s  %s\n' pair mode load_1m e2e_msgs/s fifo_p50_s svc_cpu_ms/msg \
    recv_cpu_ms/msg wh_reqs note
RATIOS=()
for pair in $(seq 1 "$RUNS"); do
    run_one "$pair" off; off=$E2E
    run_one "$pair" on; on=$E2E
    RATIOS+=("$(ratio "$on" "$off")")
done
echo "e2e ratio on/off per pair: ${RATIOS[*]}"
echo "mean ratio: $(printf '%s\n' "${RATIOS[@]}" \
    | awk '$1 != "NA" { s += $1; n++ } END { if (n) printf "%.3f", s / n; else print "NA" }')"
echo "work dir: $WD"
