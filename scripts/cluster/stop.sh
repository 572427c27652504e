#!/usr/bin/env bash
# Stops what scripts/cluster/start.sh started, by the pids it recorded (never by name), cancels
# the jobs left on that private cluster, removes the ~/.ssh/config block and the state (logs kept
# in $STATE/log). Safe to run when nothing is running.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=common.sh
. "$here/common.sh"
PATH="$PATH:/usr/sbin:/sbin"

rm -f "$STATE/env" # first: tests stop using the cluster at once

# Jobs still on our cluster would leave slurmstepd processes behind.
if [[ -f "$STATE/pids/slurmctld" ]] && pid_alive "$(cat "$STATE/pids/slurmctld")"; then
  SLURM_CONF="$STATE/slurm/slurm.conf" timeout 5 scancel --user="$(id -un)" 2>/dev/null
fi

pids=()
for name in sshd slurmd slurmctld slurmdbd mariadbd munged; do
  f="$STATE/pids/$name"
  [[ -f "$f" ]] || continue
  pid=$(cat "$f")
  if pid_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null && pids+=("$pid") && say "stopping $name (pid $pid)"
  fi
  rm -f "$f"
done
# Each daemon takes ~2 s to exit on SIGTERM: wait for all of them together, then SIGKILL.
for _ in $(seq 100); do
  left=()
  for pid in "${pids[@]}"; do pid_alive "$pid" && left+=("$pid"); done
  ((${#left[@]} == 0)) && break
  sleep 0.1
done
for pid in "${left[@]}"; do
  say "pid $pid ignored SIGTERM for 10 s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null
done

remove_ssh_block
if [[ -f "$STATE/.grun-cluster" ]]; then
  find "$STATE" -mindepth 1 -maxdepth 1 ! -name log -exec rm -rf {} +
fi
say "stopped (logs in $STATE/log)"
