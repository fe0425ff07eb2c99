#!/usr/bin/env bash
# Generates the DSNs that real MTAs write, as test data for Rebound's bounce parser (issue 16).
#
# Usage (as root, on Debian 12; needs only Debian's package archive and the loopback interface):
#   scripts/mta-dsns/generate.sh [WORK_DIR] [MTA...]
#     WORK_DIR  where the packages are unpacked and the MTAs run (default: target/mta-dsns); the MTAs' own users
#               (postfix, Debian-exim) must be able to reach it, so not under a private home folder
#     MTA       any of: postfix exim sendmail opensmtpd (default: all four, one after the other)
#   Environment: OUT (default rebound-core/src/test/resources/dev/rebound/core/dsn/mta), LIFETIME (the MTAs' queue
#   lifetime in seconds, default 120), ROWS (comma-separated row ids: only these test mails, for trying a change).
#
# What it does:
#   1. `apt-get update`, then `apt-get download` Debian's postfix, exim4-daemon-light, sendmail-bin + sendmail-cf + m4,
#      opensmtpd (and the few libraries they need that are not installed) and `dpkg -x` them into WORK_DIR/root: no
#      package is installed, so the four MTAs do not replace each other and nothing system-wide changes, except the
#      system users and groups the MTAs run as (postfix, postdrop, Debian-exim, smmsp, opensmtpd, opensmtpq), created if
#      missing.
#   2. Starts the refusing sink (mtadsn.py sink): one loopback address per row of replies.tsv (127.0.2.N:2525), each
#      test recipient <id>-<phase>@<id>.refuse.test answered with the row's reply at RCPT or after DATA, and a
#      capturing listener (127.0.3.1:2525) for capture.test, where the DSNs go.
#   3. For each MTA: writes a config under WORK_DIR/<mta> (own queue, own loopback listener, every test domain
#      routed to its row's address, queue lifetime LIFETIME seconds, delay warnings after about LIFETIME/4),
#      starts it, submits one test mail per row and phase over SMTP (envelope sender b-<id>-<phase>@capture.test),
#      waits until every test mail has its final DSN (or LIFETIME + 3 minutes), stops the MTA, and copies the DSNs to
#      OUT/<mta>/<id>-<phase>.eml (delay notices: <id>-<phase>.delay.eml), with their expected outcome and reason
#      (from replies.tsv; delay notices: DEFERRED) in OUT/labels.jsonl.
# GeneratedDsnTest (rebound-core) reads OUT/labels.jsonl. Each MTA takes LIFETIME + 1-3 minutes.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
WORK=$(realpath -m "${1:-$REPO/target/mta-dsns}")
[ $# -gt 0 ] && shift
MTAS=${*:-postfix exim sendmail opensmtpd}
OUT=$(realpath -m "${OUT:-$REPO/rebound-core/src/test/resources/dev/rebound/core/dsn/mta}")
LIFETIME=${LIFETIME:-120}
WARN=$((LIFETIME / 4))
TABLE=$HERE/replies.tsv
PY="python3 $HERE/mtadsn.py"
ROOT=$WORK/root
SINK_PORT=2525
CAPTURE_IP=127.0.3.1
export LD_LIBRARY_PATH=$ROOT/usr/lib/postfix:$ROOT/usr/lib/x86_64-linux-gnu:$ROOT/lib/x86_64-linux-gnu

log() { echo "mta-dsns: $*" >&2; }

install_packages() {
  mkdir -p "$WORK/debs" "$ROOT"
  if [ ! -e "$WORK/debs/.unpacked" ]; then
    log "downloading Debian packages into $WORK/debs"
    apt-get update -qq
    (cd "$WORK/debs" && apt-get download -qq postfix exim4-daemon-light sendmail-bin sendmail-cf m4 opensmtpd \
        libwrap0 libidn12 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
    for d in "$WORK"/debs/*.deb; do dpkg -x "$d" "$ROOT"; done
    touch "$WORK/debs/.unpacked"
  fi
}

ensure_user() { # user group
  getent group "$2" >/dev/null || groupadd --system "$2"
  getent passwd "$1" >/dev/null || useradd --system -g "$2" -d /nonexistent -s /usr/sbin/nologin "$1"
}

create_users() {
  ensure_user postfix postfix
  getent group postdrop >/dev/null || groupadd --system postdrop
  ensure_user Debian-exim Debian-exim
  ensure_user smmsp smmsp
  ensure_user opensmtpd opensmtpd
  ensure_user opensmtpq opensmtpq
}

SINK_PID=
start_sink() { # capture_dir
  $PY sink "$TABLE" "$1" "$SINK_PORT" >"$WORK/sink.log" 2>&1 &
  SINK_PID=$!
  for _ in $(seq 50); do
    grep -q listeners "$WORK/sink.log" 2>/dev/null && return 0
    sleep 0.2
  done
  log "the sink did not start:"; cat "$WORK/sink.log" >&2; exit 1
}
stop_sink() { [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null; wait "$SINK_PID" 2>/dev/null || true; SINK_PID=; }

wait_for_port() { # port: until an MTA listens on 127.0.0.1:port (up to 2 minutes)
  for _ in $(seq 240); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), 1).close()" 2>/dev/null && return 0
    sleep 0.5
  done
  log "nothing listens on 127.0.0.1:$1"; return 1
}

wait_for_dsns() { # capture_dir
  local deadline=$((SECONDS + LIFETIME + 180)) c
  while [ $SECONDS -lt $deadline ]; do
    read -r finals delays expected < <($PY count "$TABLE" "$1" ${ROWS:-})
    log "  $finals/$expected final DSNs, $delays delay notices"
    [ "$finals" -ge "$expected" ] && { sleep 5; return 0; }
    sleep 15
  done
  log "  gave up waiting: some test mails have no final DSN"
}

# ---------------------------------------------------------------- Postfix
run_postfix() {
  local D=$WORK/postfix
  rm -rf "$D"; mkdir -p "$D/conf" "$D/queue" "$D/data"
  : >"$ROOT/etc/postfix/dynamicmaps.cf"
  { $PY routes "$TABLE" | while read -r dom ip; do echo "$dom smtp:[$ip]:$SINK_PORT"; done
    echo "capture.test smtp:[$CAPTURE_IP]:$SINK_PORT"; } >"$D/conf/transport"
  cat >"$D/conf/main.cf" <<EOF
compatibility_level = 3.6
config_directory = $D/conf
queue_directory = $D/queue
data_directory = $D/data
command_directory = $ROOT/usr/sbin
daemon_directory = $ROOT/usr/lib/postfix/sbin
shlib_directory = $ROOT/usr/lib/postfix
meta_directory = $ROOT/etc/postfix
mail_owner = postfix
setgid_group = postdrop
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C LD_LIBRARY_PATH
maillog_file = $D/maillog
maillog_file_prefixes = $D
myhostname = postfix.mta.rebound.test
mydomain = mta.rebound.test
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
transport_maps = texthash:$D/conf/transport
alias_maps =
alias_database =
local_recipient_maps =
notify_classes =
biff = no
smtputf8_enable = no
smtp_tls_security_level = none
smtpd_tls_security_level = none
maximal_queue_lifetime = ${LIFETIME}s
bounce_queue_lifetime = ${LIFETIME}s
delay_warning_time = ${WARN}s
queue_run_delay = 10s
minimal_backoff_time = 10s
maximal_backoff_time = 20s
smtp_connect_timeout = 5s
smtp_data_done_timeout = 15s
EOF
  cat >"$D/conf/master.cf" <<EOF
127.0.0.1:10025 inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
smtp      unix  - - n -  - smtp
relay     unix  - - n -  - smtp
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
local     unix  - n n -  - local
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
  chown -R postfix "$D/data"
  "$ROOT/usr/sbin/postfix" -c "$D/conf" start
  $PY send "$TABLE" 127.0.0.1:10025 ${ROWS:-}
  wait_for_dsns "$CAPTURE/postfix"
  "$ROOT/usr/sbin/postfix" -c "$D/conf" stop || true
}

# ---------------------------------------------------------------- Exim 4
run_exim() {
  local D=$WORK/exim
  rm -rf "$D"; mkdir -p "$D/spool" "$D/log"
  { $PY routes "$TABLE"; echo "capture.test $CAPTURE_IP"; } | sed 's/ /: /' >"$D/routes"
  # Exim re-executes itself (exim_path) with a cleared environment and changed user ids, where the dynamic loader
  # ignores LD_LIBRARY_PATH: a wrapper runs it through the loader with the unpacked libraries' path as an argument.
  printf '#!/bin/sh\nexec /lib64/ld-linux-x86-64.so.2 --library-path %s %s "$@"\n' "$LD_LIBRARY_PATH" \
      "$ROOT/usr/sbin/exim4" >"$D/exim4"
  chmod 755 "$D/exim4"
  cat >"$D/exim.conf" <<EOF
primary_hostname = exim.mta.rebound.test
qualify_domain = exim.mta.rebound.test
exim_path = $D/exim4
exim_user = Debian-exim
exim_group = Debian-exim
keep_environment = LD_LIBRARY_PATH
spool_directory = $D/spool
log_file_path = $D/log/%slog
pid_file_path = $D/exim.pid
daemon_smtp_ports = 10026
local_interfaces = 127.0.0.1
host_lookup =
rfc1413_hosts =
domainlist local_domains =
hostlist relay_from_hosts = 127.0.0.0/8
acl_smtp_rcpt = acl_check_rcpt
delay_warning = ${WARN}s
timeout_frozen_after = 1h
tls_advertise_hosts =

begin acl
acl_check_rcpt:
  accept hosts = +relay_from_hosts
  deny message = relay not permitted

begin routers
test_routes:
  driver = manualroute
  route_data = \${lookup{\$domain}lsearch{$D/routes}}
  transport = remote_smtp
  self = send
  no_more

begin transports
remote_smtp:
  driver = smtp
  port = $SINK_PORT
  allow_localhost
  hosts_avoid_tls = *
  connect_timeout = 5s
  command_timeout = 15s
  data_timeout = 15s
  final_timeout = 15s

begin retry
*   *   F,${LIFETIME}s,10s

begin rewrite
EOF
  chown -R Debian-exim:Debian-exim "$D/spool" "$D/log"
  "$D/exim4" -C "$D/exim.conf" -bd -q10s
  wait_for_port 10026
  $PY send "$TABLE" 127.0.0.1:10026 ${ROWS:-}
  wait_for_dsns "$CAPTURE/exim"
  kill "$(cat "$D/exim.pid")" 2>/dev/null || true
}

# ---------------------------------------------------------------- Sendmail
run_sendmail() {
  local D=$WORK/sendmail
  rm -rf "$D"; mkdir -p "$D/mqueue"; chmod 700 "$D/mqueue"
  { $PY routes "$TABLE"; echo "capture.test $CAPTURE_IP"; } | while read -r dom ip; do echo "$dom esmtp:[$ip]"; done >"$D/mailertable"
  printf 'hosts files\naliases files\n' >"$D/service.switch"
  cat >"$D/sendmail.mc" <<EOF
divert(-1)dnl
divert(0)dnl
include(\`$ROOT/usr/share/sendmail/cf/m4/cf.m4')dnl
VERSIONID(\`Rebound mta-dsns')dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`sendmail.mta.rebound.test')dnl
define(\`QUEUE_DIR', \`$D/mqueue')dnl
define(\`STATUS_FILE', \`$D/statistics')dnl
define(\`ALIAS_FILE', \`')dnl
define(\`confPID_FILE', \`$D/sendmail.pid')dnl
define(\`confHELP_FILE', \`$D/helpfile')dnl
define(\`confSERVICE_SWITCH_FILE', \`$D/service.switch')dnl
define(\`confTO_QUEUEWARN', \`${WARN}s')dnl
define(\`confTO_QUEUERETURN', \`${LIFETIME}s')dnl
define(\`confTO_CONNECT', \`5s')dnl
define(\`confTO_DATAFINAL', \`15s')dnl
define(\`confMIN_QUEUE_AGE', \`0s')dnl
define(\`confDONT_PROBE_INTERFACES', \`true')dnl
define(\`confDELIVERY_MODE', \`background')dnl
define(\`confBIND_OPTS', \`-DNSRCH -DEFNAMES')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h $SINK_PORT')dnl
define(\`SMTP_MAILER_ARGS', \`TCP \$h $SINK_PORT')dnl
define(\`confREFUSE_LA', \`1000')dnl
define(\`confQUEUE_LA', \`1000')dnl
define(\`confDELAY_LA', \`1000')dnl
FEATURE(\`no_default_msa')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`mailertable', \`text -k0 -v1 $D/mailertable')dnl
DAEMON_OPTIONS(\`Port=10027, Addr=127.0.0.1, Name=MTA')dnl
MAILER(\`smtp')dnl
EOF
  "$ROOT/usr/bin/m4" "$D/sendmail.mc" >"$D/sendmail.cf"
  # Sendmail resolves its own host name at start (over DNS, for IPv6 too) and sleeps a minute when that fails: it
  # runs in private mount and UTS namespaces with its own host name and a hosts file (and an empty resolv.conf)
  # mounted over the host's, which stay untouched. The binary is set-group-id (smmsp), so the dynamic loader ignores
  # LD_LIBRARY_PATH: it is run through the loader with the libraries' path as an argument.
  printf '127.0.0.1 localhost sendmail.mta.rebound.test\n::1 localhost sendmail.mta.rebound.test\n' >"$D/hosts"
  : >"$D/resolv.conf"
  unshare -m -u --propagation private sh -c "hostname sendmail.mta.rebound.test && mount --bind '$D/hosts' /etc/hosts \
      && mount --bind '$D/resolv.conf' /etc/resolv.conf && exec /lib64/ld-linux-x86-64.so.2 --library-path \
      '$LD_LIBRARY_PATH' '$ROOT/usr/libexec/sendmail/sendmail' -C '$D/sendmail.cf' -bD -q10s" >"$D/sendmail.log" 2>&1 &
  local pid=$!
  wait_for_port 10027
  $PY send "$TABLE" 127.0.0.1:10027 ${ROWS:-}
  wait_for_dsns "$CAPTURE/sendmail"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# ---------------------------------------------------------------- OpenSMTPD
# OpenSMTPD's spool (/var/spool/smtpd), privsep chroot (/var/lib/opensmtpd/empty) and control socket are compiled in:
# it runs in private mount and UTS namespaces (unshare -m -u) with its own host name, where WORK_DIR/opensmtpd's
# folders and files are mounted over /var/spool, /var/lib, /run, /etc/hosts and /etc/resolv.conf (no DNS), so the
# host's are not touched.
run_opensmtpd() {
  local D=$WORK/opensmtpd
  rm -rf "$D"; mkdir -p "$D/spool/smtpd" "$D/lib/opensmtpd/empty" "$D/run"
  chmod 711 "$D/spool/smtpd"
  { echo "queue ttl ${LIFETIME}s"
    echo "bounce warn-interval ${WARN}s"
    echo "listen on 127.0.0.1 port 10028"
    echo "action \"capture\" relay host smtp://$CAPTURE_IP:$SINK_PORT"
    echo "match from any for domain \"capture.test\" action \"capture\""
    $PY routes "$TABLE" | while read -r dom ip; do
      echo "action \"$dom\" relay host smtp://$ip:$SINK_PORT"
      echo "match from any for domain \"$dom\" action \"$dom\""
    done; } >"$D/smtpd.conf"
  printf '127.0.0.1 localhost opensmtpd.mta.rebound.test\n::1 localhost opensmtpd.mta.rebound.test\n' >"$D/hosts"
  : >"$D/resolv.conf"
  unshare -m -u --propagation private sh -c "hostname opensmtpd.mta.rebound.test && mount --bind '$D/hosts' /etc/hosts \
      && mount --bind '$D/resolv.conf' /etc/resolv.conf && mount --bind '$D/spool' /var/spool \
      && mount --bind '$D/lib' /var/lib && mount --bind '$D/run' /run \
      && exec '$ROOT/usr/sbin/smtpd' -d -f '$D/smtpd.conf'" >"$D/smtpd.log" 2>&1 &
  local pid=$!
  wait_for_port 10028
  $PY send "$TABLE" 127.0.0.1:10028 ${ROWS:-}
  wait_for_dsns "$CAPTURE/opensmtpd"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# ---------------------------------------------------------------- main
install_packages
create_users
CAPTURE=$WORK/capture
mkdir -p "$OUT"
for mta in $MTAS; do
  rm -rf "${CAPTURE:?}/$mta"; mkdir -p "$CAPTURE/$mta"
  start_sink "$CAPTURE/$mta"
  trap stop_sink EXIT
  log "$mta: starting"
  "run_$mta"
  stop_sink
  $PY collect "$TABLE" "$CAPTURE/$mta" "$OUT" "$mta"
done
