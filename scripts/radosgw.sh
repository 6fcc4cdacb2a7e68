#!/usr/bin/env bash
# A throwaway one-node Ceph cluster with radosgw (S3) on 127.0.0.1, for tests.
#
#   bash scripts/radosgw.sh start    # start (idempotent), then print the env lines
#   bash scripts/radosgw.sh status   # exit 0 when running and answering HTTP
#   bash scripts/radosgw.sh env      # print `export RADOSGW_*=...` lines
#   bash scripts/radosgw.sh stop     # kill every daemon started here, remove the state dir
#
# Environment:
#   RADOSGW_DIR       state dir (default /tmp/onecodex-radosgw): config, logs, pid files
#   RADOSGW_PORT      S3 port on 127.0.0.1 (default 7480)
#   RADOSGW_MON_PORT  monitor port on 127.0.0.1 (default 46789)
#
# Layout: one mon, one OSD on the memstore objectstore (RAM, grows only with what is written;
# nothing on disk survives), no mgr, no cephx, pool size 1, radosgw with the beast frontend.
# Needs the Debian/Ubuntu packages radosgw, ceph-mon, ceph-osd (see scripts/dev-setup.sh --s3),
# plus curl and openssl. Daemons run as the calling user (root in CI).
#
# POST policy and SSE (checked against ceph 16.2 pacific):
# - Browser-form POST with a SigV2 policy (AWSAccessKeyId, policy, signature) works out of the
#   box; `key` may contain ${filename}; success_action_status=201 gives 201 + XML;
#   content-length-range over the limit gives 400 EntityTooLarge; an expired policy or a wrong
#   signature gives 403; a chunked body (no Content-Length) gives 411 MissingContentLength.
# - `x-amz-server-side-encryption: AES256` over plain http: with no crypt settings radosgw
#   answers 400 InvalidRequest. `rgw crypt require ssl = false` alone makes it 201, but the object
#   is stored unencrypted. We also set `rgw crypt default encryption key` (a fixed, test-only key)
#   so the object really is stored encrypted (crypt mode RGW-AUTO) and decrypted on GET, as with
#   SSE-S3. Never use this key anywhere else.
set -euo pipefail

DIR="${RADOSGW_DIR:-/tmp/onecodex-radosgw}"
PORT="${RADOSGW_PORT:-7480}"
MON_PORT="${RADOSGW_MON_PORT:-46789}"
ACCESS_KEY="onecodex-sandbox"
SECRET_KEY="onecodex-sandbox-secret-key-for-tests-only"
BUCKET="onecodex-sandbox"
# 32 bytes, base64: test-only SSE key (see the header comment).
SSE_TEST_KEY="b25lY29kZXgtc2FuZGJveC10ZXN0LW9ubHkta2V5ISE="
CONF="$DIR/ceph.conf"
DAEMONS=(mon.a osd.0 client.rgw)
START_TIMEOUT="${RADOSGW_START_TIMEOUT:-90}"

log() { echo "radosgw.sh: $*" >&2; }

# A port that `start` recorded wins over the environment (so `env`/`stop` agree with `start`).
if [[ -f "$DIR/port" ]]; then PORT="$(cat "$DIR/port")"; fi
ENDPOINT="http://127.0.0.1:$PORT"

print_env() {
  echo "export RADOSGW_ENDPOINT=$ENDPOINT"
  echo "export RADOSGW_ACCESS_KEY=$ACCESS_KEY"
  echo "export RADOSGW_SECRET_KEY=$SECRET_KEY"
  echo "export RADOSGW_BUCKET=$BUCKET"
}

# pid of a daemon we started, only if it is alive and still ours (its command line names our conf).
daemon_pid() {
  local pidfile="$DIR/$1.pid" pid
  [[ -f "$pidfile" ]] || return 1
  pid="$(cat "$pidfile")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$CONF" || return 1
  echo "$pid"
}

http_code() {
  curl -s -o /dev/null -m 2 -w '%{http_code}' "$ENDPOINT/" 2>/dev/null || true
}

is_running() {
  local d
  for d in "${DAEMONS[@]}"; do daemon_pid "$d" >/dev/null || return 1; done
  case "$(http_code)" in 200 | 403) return 0 ;; *) return 1 ;; esac
}

# short timeouts: the wait loops re-check that the daemons are still alive between tries
ceph_cli() { timeout 10 ceph -c "$CONF" --connect-timeout 5 "$@"; }

# Print the end of a log to stderr (on failure).
show_log() {
  local f="$DIR/$1.log"
  if [[ -f "$f" ]]; then
    log "---- last lines of $f ----"
    tail -n 30 "$f" >&2
  fi
  if [[ -s "$DIR/$1.out" ]]; then
    log "---- last lines of $DIR/$1.out ----"
    tail -n 10 "$DIR/$1.out" >&2
  fi
}

fail() {
  local what="$1"
  shift
  log "ERROR: $*"
  show_log "$what"
  kill_daemons # keep the logs for a look; the next start or stop removes them
  exit 1
}

# Start a daemon in the foreground of its own session; we keep its pid.
spawn() {
  local name="$1"
  shift
  local as_user=()
  # as root, say so explicitly (packaged daemons otherwise expect to drop to user "ceph")
  if [[ "$(id -u)" == 0 ]]; then as_user=(--setuser root --setgroup root); fi
  setsid "$@" -c "$CONF" -f "${as_user[@]}" </dev/null >"$DIR/$name.out" 2>&1 &
  echo $! >"$DIR/$name.pid"
}

write_conf() {
  local fsid="$1"
  cat >"$CONF" <<EOF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$MON_PORT]
mon initial members = a
public addr = 127.0.0.1
public network = 127.0.0.1/32
ms bind ipv6 = false
ms bind msgr1 = false
ms bind msgr2 = true
# no cephx: nothing here is secret, and it saves the keyring dance
auth cluster required = none
auth service required = none
auth client required = none
auth supported = none
# without cephx there is no session key for "secure" mode: clients would hang for 300 s
ms mon client mode = crc
ms mon service mode = crc
ms mon cluster mode = crc
ms client mode = crc
ms service mode = crc
ms cluster mode = crc
# single OSD: one copy, failure domain = osd
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd crush chooseleaf type = 0
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
mon warn on pool no redundancy = false
# commit map changes quickly (each pool radosgw creates is an osdmap change): faster start-up
paxos propose interval = 0.05
paxos min wait = 0.01
# everything under the state dir
run dir = $DIR
pid file =
admin socket = $DIR/\$name.asok
log file = $DIR/\$name.log
log to stderr = false
err to stderr = true
mon cluster log file = $DIR/cluster.log
crash dir = $DIR/crash
exec dir = $DIR
keyring = /dev/null

[mon]
mon data = $DIR/\$name
mon allow pool delete = true

[osd]
osd data = $DIR/\$name
osd objectstore = memstore
memstore device bytes = 1073741824
osd crush update on start = true
osd op num shards = 1
osd op num threads per shard = 2
osd class load list = *
osd class default list = *

[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$PORT
rgw data = $DIR/rgw
rgw zonegroup = default
rgw zone = default
rgw thread pool size = 64
rgw enable gc threads = false
rgw enable lc threads = false
rgw dynamic resharding = false
rgw enable usage log = false
rgw enable ops log = false
# SSE (x-amz-server-side-encryption: AES256) over plain http on loopback, test key only
rgw crypt require ssl = false
rgw crypt default encryption key = $SSE_TEST_KEY
EOF
}

wait_for() {
  # wait_for <what-log> <seconds> <command...>
  local what="$1" secs="$2"
  shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then return 1; fi
    if [[ "$what" != - ]] && ! daemon_pid "$what" >/dev/null; then
      fail "$what" "$what exited during start-up"
    fi
    sleep 0.2
  done
}

osd_up() {
  ceph_cli osd dump --format json 2>/dev/null | grep -q '"up":1'
}

endpoint_ready() {
  case "$(http_code)" in 200 | 403) return 0 ;; *) return 1 ;; esac
}

# SigV2-signed request with curl (used to create the bucket).
s3_request() {
  local method="$1" path="$2" date sig
  date="$(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S GMT')"
  sig="$(printf '%s\n\n\n%s\n%s' "$method" "$date" "$path" |
    openssl dgst -sha1 -hmac "$SECRET_KEY" -binary | openssl base64 -A)"
  curl -s -o "$DIR/s3-request.out" -m 10 -w '%{http_code}' -X "$method" \
    -H "Date: $date" -H "Authorization: AWS $ACCESS_KEY:$sig" "$ENDPOINT$path"
}

do_start() {
  local t0=$SECONDS
  if is_running; then
    print_env
    return 0
  fi
  for tool in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph curl openssl; do
    command -v "$tool" >/dev/null ||
      {
        log "ERROR: '$tool' not found. Install with: bash scripts/dev-setup.sh --s3"
        exit 1
      }
  done
  # leftovers of an earlier, dead run: clean them first
  if [[ -e "$DIR" ]]; then do_stop; fi
  if curl -s -o /dev/null -m 1 "$ENDPOINT/" 2>/dev/null; then
    log "ERROR: something else already listens on 127.0.0.1:$PORT (set RADOSGW_PORT)"
    exit 1
  fi
  mkdir -p "$DIR/crash" "$DIR/rgw"
  echo "$PORT" >"$DIR/port"
  local fsid osd_uuid
  fsid="$(cat /proc/sys/kernel/random/uuid)"
  osd_uuid="$(cat /proc/sys/kernel/random/uuid)"
  write_conf "$fsid"

  # monitor
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$MON_PORT]" "$DIR/monmap" \
    >"$DIR/monmaptool.out" 2>&1 || fail monmaptool "monmaptool failed"
  ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" >"$DIR/mon.a.mkfs.out" 2>&1 ||
    fail mon.a.mkfs "ceph-mon --mkfs failed"
  spawn mon.a ceph-mon -i a
  wait_for mon.a 30 ceph_cli mon stat || fail mon.a "monitor did not answer within 30 s"

  # one OSD on memstore
  local osd_id
  osd_id="$(ceph_cli osd new "$osd_uuid" 2>"$DIR/osd.new.out")" ||
    fail osd.new "ceph osd new failed"
  [[ "$osd_id" == 0 ]] || fail osd.new "expected OSD id 0, got '$osd_id'"
  mkdir -p "$DIR/osd.0"
  ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$osd_uuid" >"$DIR/osd.0.mkfs.out" 2>&1 ||
    fail osd.0.mkfs "ceph-osd --mkfs failed"
  spawn osd.0 ceph-osd -i 0
  wait_for osd.0 30 osd_up || fail osd.0 "OSD did not come up within 30 s"

  # S3 user with a known key (creates the realm/zone pools as a side effect)
  timeout 60 radosgw-admin -c "$CONF" user create --uid "$ACCESS_KEY" \
    --display-name "One Codex sandbox (tests)" \
    --access-key "$ACCESS_KEY" --secret-key "$SECRET_KEY" >"$DIR/user-create.out" 2>&1 ||
    fail user-create "radosgw-admin user create failed"

  # the gateway
  spawn client.rgw radosgw -n client.rgw
  wait_for client.rgw "$START_TIMEOUT" endpoint_ready ||
    fail client.rgw "radosgw did not answer on $ENDPOINT within $START_TIMEOUT s"

  local code
  code="$(s3_request PUT "/$BUCKET")"
  case "$code" in
    200 | 409) ;;
    *)
      cat "$DIR/s3-request.out" >&2 || true
      fail client.rgw "creating bucket $BUCKET failed (HTTP $code)"
      ;;
  esac
  log "ready on $ENDPOINT in $((SECONDS - t0)) s (state in $DIR)"
  print_env
}

# alive = exists and is not a zombie (an orphan's zombie may linger until init reaps it)
alive() {
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n "$state" && "$state" != Z ]]
}

# The cluster is throwaway (memstore: nothing to flush), so SIGKILL: instant and certain.
kill_daemons() {
  local d pid pids=()
  for d in "${DAEMONS[@]}"; do
    if pid="$(daemon_pid "$d")"; then
      kill -KILL "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  local deadline=$((SECONDS + 5))
  for pid in "${pids[@]}"; do
    while alive "$pid" && ((SECONDS < deadline)); do sleep 0.05; done
    if alive "$pid"; then log "WARNING: process $pid did not exit"; fi
  done
}

do_stop() {
  kill_daemons
  case "$DIR" in
    "" | / | "$HOME") log "ERROR: refusing to remove state dir '$DIR'" && return 1 ;;
  esac
  rm -rf -- "$DIR"
  return 0
}

do_status() {
  if is_running; then
    echo "running: $ENDPOINT (state in $DIR)"
    return 0
  fi
  echo "not running"
  return 1
}

case "${1:-}" in
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  env) print_env ;;
  *)
    echo "usage: $0 start|stop|status|env" >&2
    exit 2
    ;;
esac
