# Shared by start.sh and stop.sh: where the cluster's state lives and how its pieces are named.
# Everything the scripts make sits under $STATE, except the marked block in ~/.ssh/config.

STATE="${GRUN_CLUSTER_STATE:-/tmp/grun-cluster}"
SSH_ALIAS="${GRUN_SSH_ALIAS:-grun-loopback}"
SSH_PORT="${GRUN_SSH_PORT:-2222}"
SLURMCTLD_PORT="${GRUN_SLURMCTLD_PORT:-6817}"
SLURMD_PORT="${GRUN_SLURMD_PORT:-6818}"
SLURMDBD_PORT="${GRUN_SLURMDBD_PORT:-6819}"
MARIADB_PORT="${GRUN_MARIADB_PORT:-3307}" # not 3306: the package's own service may hold it
MIN_JOB_AGE="${GRUN_MIN_JOB_AGE:-60}"
SSH_CONFIG="${HOME}/.ssh/config"
BLOCK_BEGIN="# >>> grun cluster ${SSH_ALIAS} (scripts/cluster/start.sh; removed by stop.sh) >>>"
BLOCK_END="# <<< grun cluster ${SSH_ALIAS} <<<"

say() { printf 'cluster: %s\n' "$*"; }
die() { printf 'cluster: error: %s\n' "$*" >&2; exit 1; }

# pid_alive PID: the process exists and is not a zombie.
pid_alive() {
  local pid="$1" state
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ -n "$state" && "$state" != Z ]]
}

# Removes our block (begin marker through end marker) from ~/.ssh/config, leaving all else as is.
remove_ssh_block() {
  [[ -f "$SSH_CONFIG" ]] || return 0
  grep -qxF "$BLOCK_BEGIN" "$SSH_CONFIG" || return 0
  local tmp
  tmp=$(mktemp "${SSH_CONFIG}.grun.XXXXXX")
  awk -v b="$BLOCK_BEGIN" -v e="$BLOCK_END" '
    $0 == b { skip = 1; next }
    skip && $0 == e { skip = 0; next }
    !skip { print }' "$SSH_CONFIG" >"$tmp"
  chmod --reference="$SSH_CONFIG" "$tmp"
  mv "$tmp" "$SSH_CONFIG"
}
