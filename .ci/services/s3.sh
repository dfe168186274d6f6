#!/usr/bin/env bash
# The S3 test server: OpenStack Swift from Debian (proxy with s3api + tempauth, one replica) on 127.0.0.1.
#
#   s3.sh start    install if missing, start (or keep running) Swift, create the test bucket
#   s3.sh stop     stop every process this script started
#   s3.sh status   one line; exit 0 when the S3 endpoint answers
#   s3.sh env      `export` lines for the tests: eval "$(s3.sh env)"
#
# Everything (config, rings, data, logs, pids) lives in $DAG_S3_STATE (default /tmp/dag-s3).
# Ports: $DAG_S3_PORT (default 18080) is the S3 endpoint; the next four are the object,
# container and account servers and memcached, all bound to 127.0.0.1.
set -euo pipefail

STATE=${DAG_S3_STATE:-/tmp/dag-s3}
PORT=${DAG_S3_PORT:-18080}
BUCKET=${DAG_S3_BUCKET:-dag-test}
# A second bucket that holds at most 1 MiB, for tests of a full remote.
FULL_BUCKET=$BUCKET-full
FULL_BYTES=1048576
HOST=127.0.0.1
OBJ_PORT=$((PORT + 1)) CONT_PORT=$((PORT + 2)) ACC_PORT=$((PORT + 3)) MEMC_PORT=$((PORT + 4))
# tempauth user "tester" of account "dag": its S3 access key is "dag:tester", the secret is its key.
ACCOUNT=dag USER_NAME=tester SECRET=dag-test-secret
ACCESS_KEY="$ACCOUNT:$USER_NAME"
REGION=us-east-1 # s3api's default `location`; SigV4 requests signed for another region fail
WAIT_SECONDS=${DAG_S3_WAIT:-60}
PACKAGES=(swift swift-proxy swift-object swift-container swift-account python3-swift memcached)
SERVERS=(memcached account container object object-updater proxy)

die() { echo "s3: $*" >&2; exit 1; }

log_tails() {
  local f
  for f in "$STATE"/log/*.log; do
    [[ -s $f && $f != */apt.log && $f != */rings.log ]] || continue
    echo "--- ${f} (last 15 lines)" >&2
    tail -n 15 "$f" >&2
  done
}

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" 2>/dev/null || true; }

healthy() { # every server alive and the proxy says s3api is in its pipeline
  local s
  for s in "${SERVERS[@]}"; do pid_of "$s" >/dev/null || return 1; done
  curl -sf --max-time 5 "http://$HOST:$PORT/info" 2>/dev/null | grep -q '"s3api"'
}

write_config() {
  local etc="$STATE/etc" me
  me=$(id -un)
  mkdir -p "$etc" "$STATE/srv/d1" "$STATE/log" "$STATE/run" "$STATE/cache"
  # Swift reads swift.conf from swift_dir, so /etc/swift is never touched.
  cat >"$etc/swift.conf" <<EOF
[swift-hash]
swift_hash_path_suffix = dag-test-suffix
swift_hash_path_prefix = dag-test-prefix

[storage-policy:0]
name = Policy-0
default = yes
EOF
  # Logs go to stderr (-v) and so to the log files; the syslog handler Swift always adds is
  # pointed at a loopback UDP port nobody listens on.
  local common="swift_dir = $etc
devices = $STATE/srv
mount_check = false
bind_ip = $HOST
user = $me
log_udp_host = $HOST
log_udp_port = 9
log_level = INFO
recon_cache_path = $STATE/cache"
  local kind port
  for kind in account container object; do
    case $kind in account) port=$ACC_PORT ;; container) port=$CONT_PORT ;; object) port=$OBJ_PORT ;; esac
    cat >"$etc/$kind-server.conf" <<EOF
[DEFAULT]
$common
bind_port = $port
workers = 1
log_name = $kind-server
# 1 MiB reads and writes instead of 64 KiB: about twice the throughput for large outputs.
disk_chunk_size = 1048576
network_chunk_size = 1048576

[pipeline:main]
pipeline = healthcheck $kind-server

[app:$kind-server]
use = egg:swift#$kind

[filter:healthcheck]
use = egg:swift#healthcheck
EOF
  done
  cat >>"$etc/object-server.conf" <<EOF

[object-updater]
interval = 5
EOF
  cat >"$etc/proxy-server.conf" <<EOF
[DEFAULT]
$common
bind_port = $PORT
workers = 2
log_name = proxy-server

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk s3api tempauth copy container-quotas slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
object_chunk_size = 1048576
client_chunk_size = 1048576
account_autocreate = true
allow_account_management = true

[filter:s3api]
use = egg:swift#s3api
location = $REGION
# No storage_domain: path-style requests only (clients need forcePathStyle).

[filter:tempauth]
use = egg:swift#tempauth
user_${ACCOUNT}_${USER_NAME} = $SECRET .admin
user_${ACCOUNT}_reader = $SECRET-reader

[filter:cache]
use = egg:swift#memcache
memcache_servers = $HOST:$MEMC_PORT

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:copy]
use = egg:swift#copy
[filter:container-quotas]
use = egg:swift#container_quotas
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
EOF
}

build_rings() { # one device, one replica; rebuilt when the ports changed
  local etc="$STATE/etc" kind port
  [[ -f $etc/ring.ports && $(<"$etc/ring.ports") == "$PORT" && -f $etc/object.ring.gz ]] && return 0
  rm -f "$etc"/*.builder "$etc"/*.ring.gz
  for kind in account container object; do
    case $kind in account) port=$ACC_PORT ;; container) port=$CONT_PORT ;; object) port=$OBJ_PORT ;; esac
    {
      swift-ring-builder "$etc/$kind.builder" create 8 1 1
      swift-ring-builder "$etc/$kind.builder" add "r1z1-$HOST:$port/d1" 100
      swift-ring-builder "$etc/$kind.builder" rebalance
    } >>"$STATE/log/rings.log" 2>&1 || { tail -n 20 "$STATE/log/rings.log" >&2; die "swift-ring-builder failed for $kind"; }
  done
  echo "$PORT" >"$etc/ring.ports"
}

port_taken() { # something other than our servers listens on $1
  curl -s -o /dev/null --max-time 2 "http://$HOST:$1/" 2>/dev/null && return 0
  (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

launch() { # name, command...: in its own session (so stop can kill its whole group), logs to the state folder
  local name=$1
  shift
  setsid "$@" </dev/null >>"$STATE/log/$name.log" 2>&1 &
  echo "$! $(started_at $!)" >"$STATE/run/$name.pid"
}

start_servers() {
  local etc="$STATE/etc" p
  for p in "$PORT" "$OBJ_PORT" "$CONT_PORT" "$ACC_PORT" "$MEMC_PORT"; do
    port_taken "$p" && die "port $HOST:$p is already in use by another program (set DAG_S3_PORT to move all five ports)"
  done
  launch memcached memcached -l "$HOST" -p "$MEMC_PORT" -U 0 -m 64 -u "$(id -un)"
  launch account swift-account-server "$etc/account-server.conf" -v
  launch container swift-container-server "$etc/container-server.conf" -v
  launch object swift-object-server "$etc/object-server.conf" -v
  launch object-updater swift-object-updater "$etc/object-server.conf" -v
  launch proxy swift-proxy-server "$etc/proxy-server.conf" -v
}

wait_ready() {
  local deadline=$((SECONDS + WAIT_SECONDS)) s
  while ((SECONDS < deadline)); do
    for s in "${SERVERS[@]}"; do
      pid_of "$s" >/dev/null || { log_tails; stop_servers; die "$s exited during start-up (logs above, folder $STATE/log)"; }
    done
    healthy && return 0
    sleep 0.5
  done
  log_tails
  stop_servers
  die "Swift did not answer on http://$HOST:$PORT within ${WAIT_SECONDS}s (logs above, folder $STATE/log)"
}

create_buckets() { # through Swift's own API: a bucket is a container of the dag account
  local headers token url code deadline=$((SECONDS + WAIT_SECONDS))
  while :; do
    headers=$(curl -s -D - -o /dev/null --max-time 10 -H "X-Auth-User: $ACCESS_KEY" -H "X-Auth-Key: $SECRET" \
      "http://$HOST:$PORT/auth/v1.0" | tr -d '\r') || true
    token=$(sed -n 's/^[Xx]-[Aa]uth-[Tt]oken: //p' <<<"$headers")
    url=$(sed -n 's/^[Xx]-[Ss]torage-[Uu]rl: //p' <<<"$headers")
    if [[ -n $token && -n $url ]]; then
      code=$(http_code -X PUT -H "X-Auth-Token: $token" "$url/$BUCKET")
      if [[ $code == 201 || $code == 202 ]]; then
        code=$(http_code -X PUT -H "X-Auth-Token: $token" -H "X-Container-Meta-Quota-Bytes: $FULL_BYTES" "$url/$FULL_BUCKET")
        [[ $code == 201 || $code == 202 ]] && return 0
      fi
    fi
    ((SECONDS < deadline)) || { log_tails; die "could not create buckets $BUCKET and $FULL_BUCKET (last HTTP status ${code:-none}; logs above)"; }
    sleep 1
  done
}

stop_servers() {
  local s pid
  for s in proxy object-updater object container account memcached; do
    pid=$(pid_of "$s") || { rm -f "$STATE/run/$s.pid"; continue; }
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$STATE/run/$s.pid"
  done
}

print_env() {
  cat <<EOF
export DAG_TEST_S3_ENDPOINT=http://$HOST:$PORT
export DAG_TEST_S3_BUCKET=$BUCKET
export DAG_TEST_S3_FULL_BUCKET=$FULL_BUCKET
export DAG_TEST_S3_REGION=$REGION
export AWS_ACCESS_KEY_ID=$ACCESS_KEY
export AWS_SECRET_ACCESS_KEY=$SECRET
export AWS_REGION=$REGION
export AWS_EC2_METADATA_DISABLED=true
export AWS_REQUEST_CHECKSUM_CALCULATION=WHEN_REQUIRED
export AWS_RESPONSE_CHECKSUM_VALIDATION=WHEN_REQUIRED
EOF
}

case ${1:-} in
  start)
    mkdir -p "$STATE/log" "$STATE/run"
    if ! healthy; then
      stop_servers # a half-started or crashed set from before
      rotate_logs log
      install_packages
      command -v curl >/dev/null || die "curl is needed to check the server (apt-get install curl)"
      write_config
      build_rings
      start_servers
      wait_ready
    fi
    create_buckets
    echo "s3: Swift s3api on http://$HOST:$PORT, bucket $BUCKET, state $STATE"
    ;;
  stop)
    [[ -d $STATE/run ]] && stop_servers
    echo "s3: stopped"
    ;;
  status)
    if healthy; then echo "s3: running on http://$HOST:$PORT (state $STATE)"; else echo "s3: not running (state $STATE)"; exit 1; fi
    ;;
  env) print_env ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
