#!/usr/bin/env bash
# The Slurm test cluster: munged, slurmctld and slurmd from Debian, one node (this machine), on 127.0.0.1.
#
#   slurm.sh start    install if missing, start (or keep running) the cluster, wait until the node is idle
#   slurm.sh stop     cancel the cluster's jobs, stop every daemon this script started
#   slurm.sh status   one line; exit 0 when the node answers and takes jobs
#   slurm.sh env      `export` lines for the tests: eval "$(slurm.sh env)"
#
# Everything (slurm.conf, munge key and socket, database, state, spool, logs, pids) lives in
# $DAG_SLURM_STATE (default /tmp/dag-slurm); /etc/slurm, /etc/munge and /etc/mysql are never
# touched, so clients find the cluster through SLURM_CONF. Ports, all on 127.0.0.1:
# $DAG_SLURM_PORT (default 16817) slurmctld, +1 slurmd, +2 slurmdbd, +3 MariaDB.
# Jobs run in cgroup-v1 cgroups, so --mem and --time are enforced. sacct works through slurmdbd
# and a MariaDB server of its own; DAG_SLURM_ACCOUNTING=none leaves both out (no sacct, as on
# clusters without accounting).
set -euo pipefail

STATE=${DAG_SLURM_STATE:-/tmp/dag-slurm}
PORT=${DAG_SLURM_PORT:-16817}
PARTITION=${DAG_SLURM_PARTITION:-debug}
WAIT_SECONDS=${DAG_SLURM_WAIT:-90}
HOST=127.0.0.1
NODE=$(hostname -s)
# slurmctld, slurmd and slurmdbd bind to the address the hostname resolves to (NoInAddrAny):
# start refuses to run unless that is a loopback address.
NODE_ADDR=$(getent ahostsv4 "$NODE" 2>/dev/null | awk 'NR == 1 { print $1 }' || true)
CONF="$STATE/etc/slurm.conf"
export SLURM_CONF="$CONF"
ACCOUNTING=${DAG_SLURM_ACCOUNTING:-slurmdbd}
DB_PASS=dag-test-db
case $ACCOUNTING in
  slurmdbd)
    PACKAGES=(slurm-wlm munge slurmdbd mariadb-server)
    DAEMONS=(munged mariadb slurmdbd slurmctld slurmd)
    ;;
  none)
    PACKAGES=(slurm-wlm munge)
    DAEMONS=(munged slurmctld slurmd)
    ;;
  *) echo "slurm: DAG_SLURM_ACCOUNTING must be slurmdbd or none, not '$ACCOUNTING'" >&2; exit 2 ;;
esac
ALL_DAEMONS=(slurmd slurmctld slurmdbd mariadb munged) # the order stop takes them down

die() { echo "slurm: $*" >&2; exit 1; }

log_tails() { # the daemons' logs; a daemon's stdout (.out) only where it wrote no log file
  local f
  for f in "$STATE"/log/*.log "$STATE"/log/*.out; do
    [[ -s $f && $f != */apt.log && $f != */mariadb-install.log && $f != */sacctmgr.log ]] || continue
    [[ $f == *.out && -s ${f%.out}.log ]] && continue
    echo "--- ${f} (last 15 lines)" >&2
    tail -n 15 "$f" >&2
  done
}

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

node_state() { timeout 10 sinfo -h -N -n "$NODE" -o '%T' 2>/dev/null | head -n 1 || true; }

healthy() { # every daemon alive and the node ready for jobs
  local d
  for d in "${DAEMONS[@]}"; do pid_of "$d" >/dev/null || return 1; done
  [[ -f $CONF && $(cat "$STATE/run/accounting" 2>/dev/null) == "$ACCOUNTING" ]] || return 1
  case $(node_state) in
    idle | mixed | allocated | completing) return 0 ;;
    *) return 1 ;;
  esac
}

write_config() {
  local etc="$STATE/etc" hw cpus sockets cores threads mem
  mkdir -p "$etc" "$STATE/ctld" "$STATE/spool" "$STATE/log" "$STATE/run" "$STATE/munge"
  chmod 0755 "$STATE" "$STATE/munge"
  # The node as this machine sees itself (CPUs, sockets, cores, threads, memory in MB).
  hw=$(slurmd -C | head -n 1)
  cpus=$(sed -n 's/.* CPUs=\([0-9]*\).*/\1/p' <<<"$hw")
  sockets=$(sed -n 's/.* SocketsPerBoard=\([0-9]*\).*/\1/p' <<<"$hw")
  cores=$(sed -n 's/.* CoresPerSocket=\([0-9]*\).*/\1/p' <<<"$hw")
  threads=$(sed -n 's/.* ThreadsPerCore=\([0-9]*\).*/\1/p' <<<"$hw")
  mem=$(sed -n 's/.* RealMemory=\([0-9]*\).*/\1/p' <<<"$hw")
  [[ -n $cpus && -n $mem ]] || die "could not read this machine's CPUs and memory from 'slurmd -C': $hw"
  cat >"$CONF" <<EOF
# One-node test cluster written by .ci/services/slurm.sh; every path is under $STATE.
ClusterName=dag-test
SlurmctldHost=$NODE($NODE_ADDR)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$STATE/munge/munge.socket
CommunicationParameters=NoInAddrAny,NoCtldInAddrAny
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/run/slurmctld.daemon.pid
SlurmdPidFile=$STATE/run/slurmd.daemon.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# A job without --mem gets its share of the node, so two 1-CPU jobs run side by side.
DefMemPerCPU=$((mem / cpus))
# Jobs live in cgroups (cgroup.conf): the kernel holds them to --mem, OOM is seen by Slurm.
ProctrackType=proctrack/cgroup
TaskPlugin=task/cgroup
JobAcctGatherType=jobacct_gather/cgroup
JobAcctGatherFrequency=task=5
# --time is enforced to the minute: no grace past the limit, 5 s from SIGTERM to SIGKILL.
OverTimeLimit=0
KillWait=5
# Finished jobs stay in scontrol/squeue for 10 minutes (state, exit code, reason).
MinJobAge=600
$(accounting_config)
# Each finished job is also appended, one line, to jobcomp.txt.
JobCompType=jobcomp/filetxt
JobCompLoc=$STATE/log/jobcomp.txt
NodeName=$NODE NodeAddr=$NODE_ADDR CPUs=$cpus SocketsPerBoard=$sockets CoresPerSocket=$cores ThreadsPerCore=$threads RealMemory=$mem State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
  if [[ $ACCOUNTING == slurmdbd ]]; then
    # NoInAddrAny (not in slurmdbd.conf's man page, but read) binds slurmdbd to the hostname's loopback address.
    (umask 077 && cat >"$etc/slurmdbd.conf" <<EOF
AuthType=auth/munge
AuthInfo=socket=$STATE/munge/munge.socket
DbdHost=$NODE
DbdAddr=$NODE_ADDR
DbdPort=$((PORT + 2))
CommunicationParameters=NoInAddrAny
SlurmUser=root
StorageType=accounting_storage/mysql
StorageHost=$HOST
StoragePort=$((PORT + 3))
StorageUser=slurm
StoragePass=$DB_PASS
StorageLoc=slurm_acct_db
LogFile=$STATE/log/slurmdbd.log
PidFile=$STATE/run/slurmdbd.daemon.pid
DebugLevel=info
EOF
    )
  fi
  cat >"$etc/cgroup.conf" <<EOF
CgroupPlugin=cgroup/v1
CgroupMountpoint=/sys/fs/cgroup
CgroupAutomount=no
ConstrainCores=yes
ConstrainRAMSpace=yes
AllowedRAMSpace=100
ConstrainSwapSpace=yes
AllowedSwapSpace=0
EOF
}

accounting_config() {
  if [[ $ACCOUNTING == slurmdbd ]]; then
    cat <<EOF
# Accounting through slurmdbd (MariaDB behind it): sacct reports State and ExitCode of finished jobs.
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=$NODE_ADDR
AccountingStoragePort=$((PORT + 2))
# For slurmdbd connections, munge's socket is named here, not by AuthInfo.
AccountingStoragePass=$STATE/munge/munge.socket
EOF
  else
    cat <<EOF
# No slurmdbd: sacct has no job records (scontrol/squeue keep finished jobs for MinJobAge).
AccountingStorageType=accounting_storage/none
EOF
  fi
}

munge_key() {
  local key="$STATE/munge/munge.key"
  [[ -s $key ]] && return 0
  (umask 077 && head -c 1024 /dev/urandom >"$key")
}

port_taken() { (exec 3<>"/dev/tcp/$2/$1") 2>/dev/null; }

launch() { # name, command...: foreground daemon in its own session (stop kills its group), log in the state folder
  local name=$1
  shift
  setsid "$@" </dev/null >>"$STATE/log/$name.out" 2>&1 &
  echo "$! $(started_at $!)" >"$STATE/run/$name.pid"
}

wait_for() { # what, seconds, command...: poll until the command succeeds
  local what=$1 limit=$2 deadline d
  shift 2
  deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    for d in "${DAEMONS[@]}"; do
      [[ -f $STATE/run/$d.pid ]] || continue
      pid_of "$d" >/dev/null || { log_tails; stop_all; die "$d exited during start-up (logs above, folder $STATE/log)"; }
    done
    ((SECONDS < deadline)) || { log_tails; stop_all; die "$what within ${limit}s (logs above, folder $STATE/log)"; }
    sleep 0.5
  done
}

db_ok() { mariadb-admin --no-defaults --socket="$STATE/run/mariadb.sock" -u root ping; }
dbd_ok() { timeout 10 sacctmgr -n -P list cluster format=cluster; }

start_accounting() {
  local db="$STATE/mysql"
  if [[ ! -d $db/mysql ]]; then
    rm -rf "$db"
    mariadb-install-db --no-defaults --datadir="$db" --user="$(id -un)" --auth-root-authentication-method=socket \
      --skip-test-db >"$STATE/log/mariadb-install.log" 2>&1 ||
      { tail -n 20 "$STATE/log/mariadb-install.log" >&2; die "mariadb-install-db failed (log: $STATE/log/mariadb-install.log)"; }
  fi
  # The buffer, log and lock settings are the ones slurmdbd checks for.
  launch mariadb mariadbd --no-defaults --datadir="$db" --socket="$STATE/run/mariadb.sock" \
    --bind-address="$HOST" --port=$((PORT + 3)) --skip-name-resolve --user="$(id -un)" \
    --pid-file="$STATE/run/mariadb.daemon.pid" --log-error="$STATE/log/mariadb.log" \
    --innodb-buffer-pool-size=256M --innodb-log-file-size=64M --innodb-lock-wait-timeout=900
  wait_for "MariaDB did not answer on $STATE/run/mariadb.sock" 60 db_ok
  mariadb --no-defaults --socket="$STATE/run/mariadb.sock" -u root -e \
    "CREATE USER IF NOT EXISTS 'slurm'@'$HOST' IDENTIFIED BY '$DB_PASS'; GRANT ALL ON slurm_acct_db.* TO 'slurm'@'$HOST';" ||
    die "could not create the slurm database user (log: $STATE/log/mariadb.log)"
  launch slurmdbd slurmdbd -D
  wait_for "slurmdbd did not answer 'sacctmgr list cluster'" 60 dbd_ok
  if ! sacctmgr -n -P list cluster format=cluster | grep -qx dag-test; then
    sacctmgr -i add cluster dag-test >>"$STATE/log/sacctmgr.log" 2>&1 || die "sacctmgr add cluster failed (log: $STATE/log/sacctmgr.log)"
  fi
}

munge_ok() { munge -n -S "$STATE/munge/munge.socket" | unmunge -S "$STATE/munge/munge.socket"; }
node_idle() { [[ $(node_state) == idle ]]; }

start_all() {
  local p
  [[ $NODE_ADDR == 127.* ]] || die "hostname $NODE resolves to '${NODE_ADDR:-nothing}', not a loopback address; the Slurm daemons bind to it (add '127.0.0.1 $NODE' to /etc/hosts)"
  for p in "$PORT $NODE_ADDR" "$((PORT + 1)) $NODE_ADDR" "$((PORT + 2)) $NODE_ADDR" "$((PORT + 3)) $HOST"; do
    # shellcheck disable=SC2086
    port_taken $p && die "port ${p#* }:${p% *} is already in use by another program (set DAG_SLURM_PORT to move all four ports)"
  done
  launch munged munged -F --force --key-file="$STATE/munge/munge.key" --socket="$STATE/munge/munge.socket" \
    --pid-file="$STATE/run/munged.daemon.pid" --log-file="$STATE/log/munged.log" --seed-file="$STATE/munge/munged.seed"
  wait_for "munged did not answer" 20 munge_ok
  if [[ $ACCOUNTING == slurmdbd ]]; then start_accounting; fi
  launch slurmctld slurmctld -D -f "$CONF"
  wait_for "slurmctld did not answer 'scontrol ping'" 30 bash -c 'scontrol ping | grep -q UP'
  launch slurmd slurmd -D -f "$CONF" -N "$NODE"
  wait_for "node $NODE did not become idle (state: '$(node_state)')" "$WAIT_SECONDS" node_idle
}

stop_all() {
  local d pid jobs
  # Cancel the cluster's jobs first: their slurmstepd processes outlive slurmd otherwise.
  if pid_of slurmctld >/dev/null; then
    jobs=$(timeout 10 squeue -h -o '%i' 2>/dev/null || true)
    if [[ -n $jobs ]]; then
      # shellcheck disable=SC2086
      timeout 10 scancel $jobs 2>/dev/null || true
      for _ in $(seq 1 30); do
        [[ -z $(timeout 10 squeue -h -t PENDING,RUNNING,COMPLETING -o '%i' 2>/dev/null) ]] && break
        sleep 0.5
      done
    fi
  fi
  for d in "${ALL_DAEMONS[@]}"; do
    pid=$(pid_of "$d") || { rm -f "$STATE/run/$d.pid"; continue; }
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$STATE/run/$d.pid"
  done
}

print_env() {
  cat <<EOF
export SLURM_CONF=$CONF
export DAG_TEST_SLURM=1
export DAG_TEST_SLURM_PARTITION=$PARTITION
export DAG_TEST_SLURM_NODE=$NODE
export DAG_TEST_SLURM_ACCOUNTING=$(cat "$STATE/run/accounting" 2>/dev/null || echo "$ACCOUNTING")
EOF
}

case ${1:-} in
  start)
    mkdir -p "$STATE/log" "$STATE/run"
    if ! healthy; then
      stop_all # a half-started or crashed set from before
      rotate_logs log out
      install_packages
      write_config
      munge_key
      start_all
      echo "$ACCOUNTING" >"$STATE/run/accounting"
    fi
    echo "slurm: node $NODE idle in partition $PARTITION, SLURM_CONF=$CONF"
    ;;
  stop)
    [[ -d $STATE/run ]] && stop_all
    echo "slurm: stopped"
    ;;
  status)
    if healthy; then echo "slurm: node $NODE $(node_state) in partition $PARTITION (SLURM_CONF=$CONF)"; else echo "slurm: not running (state $STATE)"; exit 1; fi
    ;;
  env) print_env ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
