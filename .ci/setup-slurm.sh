#!/usr/bin/env bash
# A real single-node Slurm for the tests of `--executor slurm` and `gridmix status`.
#   .ci/setup-slurm.sh start   installs slurm-wlm and munge when missing, writes a single-node
#                              slurm.conf into a folder of its own, starts munged, slurmctld and
#                              slurmd by hand (no systemd here), waits until the node takes jobs,
#                              then prints `export SLURM_CONF=...` for the caller to eval.
#   .ci/setup-slurm.sh stop    stops the daemons this script started, by their pids.
# Idempotent: a second start with the daemons still up only prints the export line.
# The folder is $GRIDMIX_SLURM_DIR (default /var/tmp/gridmix-ci-slurm); runs as root.
set -euo pipefail
dir=${GRIDMIX_SLURM_DIR:-/var/tmp/gridmix-ci-slurm}
conf=$dir/etc/slurm.conf
say() { echo "setup-slurm: $*" >&2; }

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop() {
  # slurmd first (it would otherwise keep asking the controller), then the controller, then munge.
  for name in slurmd slurmctld munged; do
    pidfile=$dir/run/$name.pid
    [ "$name" = munged ] && pidfile=/run/munge/munged.pid
    [ -f "$dir/run/munged.started" ] || [ "$name" != munged ] || continue # munged was there before us
    if alive "$pidfile"; then
      pid=$(cat "$pidfile")
      kill "$pid"
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
      say "stopped $name (pid $pid)"
    fi
  done
  rm -f "$dir/run/munged.started"
}

install() {
  local missing=()
  for package in slurm-wlm munge; do dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package"); done
  [ "${#missing[@]}" -eq 0 ] && return
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

write_conf() {
  local host cpus memory
  host=$(hostname -s)
  # slurmd -C reports what this machine has; the node may not claim more (or it is drained).
  cpus=$(slurmd -C | sed -n 's/.* CPUs=\([0-9]*\).*/\1/p')
  memory=$(slurmd -C | sed -n 's/.* RealMemory=\([0-9]*\).*/\1/p')
  memory=$((memory * 9 / 10))
  mkdir -p "$dir/etc" "$dir/spool/ctld" "$dir/spool/d" "$dir/log" "$dir/run"
  cat >"$conf.tmp" <<EOF
# Written by .ci/setup-slurm.sh: one node, this machine, everything under $dir.
ClusterName=gridmix-ci
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/spool/ctld
SlurmdSpoolDir=$dir/spool/d
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MailProg=/bin/true
# Cores and memory are the consumable resources; without a default memory per CPU every task
# takes the whole node's memory and the array runs one task at a time.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
SchedulerType=sched/backfill
# Finished jobs stay visible to squeue / scontrol for 10 minutes (sacct needs slurmdbd).
MinJobAge=600
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
ReturnToService=2
KillWait=10
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  mv "$conf.tmp" "$conf"
}

start() {
  install
  write_conf
  export SLURM_CONF=$conf
  if ! alive /run/munge/munged.pid; then
    mkdir -p /run/munge
    chown munge:munge /run/munge
    chmod 755 /run/munge
    runuser -u munge -- /usr/sbin/munged
    touch "$dir/run/munged.started"
    say "started munged (pid $(cat /run/munge/munged.pid))"
  fi
  if ! alive "$dir/run/slurmctld.pid"; then
    /usr/sbin/slurmctld -f "$conf"
    say "started slurmctld"
  fi
  if ! alive "$dir/run/slurmd.pid"; then
    /usr/sbin/slurmd -f "$conf"
    say "started slurmd"
  fi
  # Ready when the node is idle (or already running something): up to 30 s.
  local state=''
  for _ in $(seq 60); do
    state=$(sinfo -h -N -o '%T' 2>/dev/null | head -n1 || true)
    case "$state" in idle*|mixed*|allocated*) break ;; esac
    sleep 0.5
  done
  case "$state" in
    idle*|mixed*|allocated*) say "node $(hostname -s) is $state" ;;
    *) say "the node did not come up (state '${state:-none}'); see $dir/log/"; tail -n 5 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true; exit 1 ;;
  esac
  echo "export SLURM_CONF=$conf"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
