# Helpers the test-service scripts share (s3.sh, slurm.sh): sourced after they set STATE, PACKAGES and die().

rotate_logs() { # rotate_logs EXT…: each start begins fresh $STATE/log/*.EXT; the run before keeps its own as *.prev
  local ext f
  for ext in "$@"; do
    for f in "$STATE"/log/*."$ext"; do
      [[ -e $f && $f != */apt.log ]] && mv -f "$f" "$f.prev"
    done
  done
  return 0
}

install_packages() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  [[ $(id -u) == 0 ]] || die "missing Debian packages: ${missing[*]} (run as root, or apt-get install them)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >"$STATE/log/apt.log" 2>&1 || { tail -n 20 "$STATE/log/apt.log" >&2; die "apt-get update failed"; }
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$STATE/log/apt.log" 2>&1 ||
    { tail -n 20 "$STATE/log/apt.log" >&2; die "apt-get install ${missing[*]} failed (log: $STATE/log/apt.log)"; }
}

started_at() { # a process's start time in clock ticks since boot: with the pid, names it uniquely
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) } # the fields after the command name, which may hold spaces
  awk '{ print $20 }' <<<"$stat"
}

pid_of() { # the recorded pid of process $1, if that very process (not a reused pid) is still alive
  local f="$STATE/run/$1.pid" pid start
  [[ -f $f ]] || return 1
  read -r pid start <"$f" || return 1
  [[ -n $pid && -n $start && $(started_at "$pid") == "$start" ]] || return 1
  echo "$pid"
}
