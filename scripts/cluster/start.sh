#!/usr/bin/env bash
# Starts a real single-node Slurm (slurmctld + slurmd, munge) and an sshd on 127.0.0.1 for grun's
# end-to-end tests: Debian's packages, installed when missing; config, keys, logs and pids under
# $GRUN_CLUSTER_STATE (default /tmp/grun-cluster); a `Host grun-loopback` block appended to
# ~/.ssh/config. Writes $STATE/env (SLURM_CONF=…, GRUN_SSH_HOST=…) once both answer; the tests
# skip without it. Idempotent: a cluster that already answers is left as it is. Needs root.
# Stop with scripts/cluster/stop.sh. Facts behind the settings: ../shared/spec/cluster-notes.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=common.sh
. "$here/common.sh"

[[ $(id -u) == 0 ]] || die "must run as root (munged runs as the munge user, slurmd as root)"
[[ "$STATE" != *[[:space:]]* ]] || die "GRUN_CLUSTER_STATE must not contain spaces: '$STATE'"

# ---- already up? ------------------------------------------------------------------------------
slurm_idle() { SLURM_CONF="$STATE/slurm/slurm.conf" sinfo -h -N -o '%t' 2>/dev/null | grep -qx 'idle\|mix\|alloc'; }
ssh_answers() { ssh -F "$SSH_CONFIG" -o BatchMode=yes -o ConnectTimeout=3 "$SSH_ALIAS" true </dev/null 2>/dev/null; }
all_recorded_alive() {
  local f
  for f in slurmctld slurmd sshd; do
    [[ -f "$STATE/pids/$f" ]] && pid_alive "$(cat "$STATE/pids/$f")" || return 1
  done
}
if [[ -f "$STATE/env" ]] && all_recorded_alive && slurm_idle && ssh_answers; then
  say "already running (state in $STATE)"
  exit 0
fi
if [[ -d "$STATE/pids" ]]; then
  say "a previous start left partial state: stopping it first"
  "$here/stop.sh"
fi

# ---- packages ---------------------------------------------------------------------------------
missing=()
for pair in slurmctld:slurm-wlm slurmd:slurm-wlm sinfo:slurm-client munged:munge sshd:openssh-server \
  ssh:openssh-client rsync:rsync; do
  cmd=${pair%%:*}
  command -v "$cmd" >/dev/null 2>&1 || [[ -x "/usr/sbin/$cmd" ]] || missing+=("${pair#*:}")
done
if ((${#missing[@]} > 0)); then
  pkgs=$(printf '%s\n' "${missing[@]}" slurm-wlm | sort -u | tr '\n' ' ')
  say "installing $pkgs(apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  # shellcheck disable=SC2086
  apt-get install -y -qq $pkgs >"${TMPDIR:-/tmp}/grun-cluster-apt.log" 2>&1 ||
    die "apt-get install $pkgs failed: see ${TMPDIR:-/tmp}/grun-cluster-apt.log"
fi
PATH="$PATH:/usr/sbin:/sbin"

# ---- ports ------------------------------------------------------------------------------------
for port in "$SLURMCTLD_PORT" "$SLURMD_PORT" "$SSH_PORT"; do
  if ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then
    die "port $port is in use by another program (set GRUN_SSH_PORT / GRUN_SLURMCTLD_PORT / GRUN_SLURMD_PORT)"
  fi
done

umask 022
mkdir -p "$STATE"/{pids,log,slurm/state,slurm/spool,ssh}
touch "$STATE/.grun-cluster" # stop.sh empties only a directory with this mark
host=$(hostname -s)
user=$(id -un)

# ---- munge ------------------------------------------------------------------------------------
# munged refuses to run as root ("PRNG seed dir is insecure"): run it as the munge user.
mkdir -p /run/munge
chown munge:munge /run/munge
chmod 0755 /run/munge
if [[ ! -s /etc/munge/munge.key ]]; then
  say "creating /etc/munge/munge.key"
  if command -v mungekey >/dev/null; then mungekey --create --force >/dev/null
  else dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none; fi
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
fi
if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
  say "munged already running (not ours: left alone)"
else
  rm -f /run/munge/munged.pid
  runuser -u munge -- munged --pid-file=/run/munge/munged.pid ||
    die "munged did not start (see /var/log/munge/munged.log)"
  for _ in $(seq 50); do [[ -s /run/munge/munged.pid ]] && break; sleep 0.1; done
  [[ -s /run/munge/munged.pid ]] || die "munged wrote no pid file"
  cp /run/munge/munged.pid "$STATE/pids/munged"
fi

# ---- slurm ------------------------------------------------------------------------------------
cpus=$(nproc)
mem_mb=$(awk '/^MemTotal:/ { m = int($2 / 1024) - 1024; print (m < 256 ? 256 : m) }' /proc/meminfo)
conf="$STATE/slurm/slurm.conf"
cat >"$conf" <<EOF
# Written by grun's scripts/cluster/start.sh: one node, root, no accounting database.
ClusterName=grun
SlurmctldHost=${host}(127.0.0.1)
SlurmctldPort=${SLURMCTLD_PORT}
SlurmdPort=${SLURMD_PORT}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
MailProg=/bin/true
StateSaveLocation=${STATE}/slurm/state
SlurmdSpoolDir=${STATE}/slurm/spool/slurmd-%n
SlurmctldPidFile=${STATE}/slurm/slurmctld.pid
SlurmdPidFile=${STATE}/slurm/slurmd.pid
SlurmctldLogFile=${STATE}/log/slurmctld.log
SlurmdLogFile=${STATE}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
# Finished jobs stay visible to squeue -t all / scontrol for an hour (default 300 s).
MinJobAge=3600
# Jobs start at once instead of on the next 3 s scheduler pass.
SchedulerParameters=batch_sched_delay=0
# A job that ignores SIGTERM is killed after 2 s instead of 30.
KillWait=2
# A job that can never fit is refused at submission instead of pending forever.
EnforcePartLimits=ALL
# A node whose slurmd is gone is marked down (its jobs NODE_FAIL) after 10 s, and comes back by itself.
SlurmdTimeout=10
ReturnToService=2
NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${mem_mb} State=UNKNOWN
PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$conf"

start_daemon() { # name, command...: starts a self-daemonizing daemon, records the pid from its pid file
  local name="$1" pidfile="$STATE/slurm/$1.pid"
  shift
  rm -f "$pidfile"
  "$@" || die "$name did not start (see $STATE/log/$name.log)"
  for _ in $(seq 100); do [[ -s "$pidfile" ]] && break; sleep 0.1; done
  [[ -s "$pidfile" ]] || die "$name wrote no pid file (see $STATE/log/$name.log)"
  cp "$pidfile" "$STATE/pids/$name"
}
start_daemon slurmctld slurmctld -f "$conf"
start_daemon slurmd slurmd -f "$conf"

# ---- sshd ---------------------------------------------------------------------------------------
mkdir -p /run/sshd
chmod 0755 /run/sshd
[[ -f "$STATE/ssh/host_ed25519" ]] || ssh-keygen -q -t ed25519 -N '' -C "grun-cluster-host" -f "$STATE/ssh/host_ed25519"
[[ -f "$STATE/ssh/id_ed25519" ]] || ssh-keygen -q -t ed25519 -N '' -C "grun-cluster-client" -f "$STATE/ssh/id_ed25519"
cp "$STATE/ssh/id_ed25519.pub" "$STATE/ssh/authorized_keys"
chmod 0600 "$STATE/ssh/authorized_keys"
echo "[127.0.0.1]:${SSH_PORT} $(cut -d' ' -f1-2 "$STATE/ssh/host_ed25519.pub")" >"$STATE/ssh/known_hosts"
sshd_bin=$(command -v sshd || echo /usr/sbin/sshd)
cat >"$STATE/ssh/sshd_config" <<EOF
# Written by grun's scripts/cluster/start.sh: loopback only, this key only.
Port ${SSH_PORT}
ListenAddress 127.0.0.1
HostKey ${STATE}/ssh/host_ed25519
PidFile ${STATE}/ssh/sshd.pid
AuthorizedKeysFile ${STATE}/ssh/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowUsers ${user}
# The many ssh connections of a test run must not be refused as a flood.
MaxStartups 100:30:200
MaxSessions 100
Subsystem sftp internal-sftp
EOF
"$sshd_bin" -t -f "$STATE/ssh/sshd_config" || die "sshd rejects its config $STATE/ssh/sshd_config"
rm -f "$STATE/ssh/sshd.pid"
"$sshd_bin" -f "$STATE/ssh/sshd_config" -E "$STATE/log/sshd.log" || die "sshd did not start (see $STATE/log/sshd.log)"
for _ in $(seq 50); do [[ -s "$STATE/ssh/sshd.pid" ]] && break; sleep 0.1; done
[[ -s "$STATE/ssh/sshd.pid" ]] || die "sshd wrote no pid file (see $STATE/log/sshd.log)"
cp "$STATE/ssh/sshd.pid" "$STATE/pids/sshd"

# ~/.ssh/config: our own marked block at the end (so that the user's earlier entries are kept and
# a `Host` line of ours cannot swallow their global options).
mkdir -p "$(dirname "$SSH_CONFIG")"
chmod 0700 "$(dirname "$SSH_CONFIG")"
remove_ssh_block
touch "$SSH_CONFIG"
chmod go-w "$SSH_CONFIG"
[[ ! -s "$SSH_CONFIG" || -z "$(tail -c1 "$SSH_CONFIG")" ]] || echo >>"$SSH_CONFIG"
cat >>"$SSH_CONFIG" <<EOF
$BLOCK_BEGIN
Host ${SSH_ALIAS}
  HostName 127.0.0.1
  Port ${SSH_PORT}
  User ${user}
  IdentityFile ${STATE}/ssh/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile ${STATE}/ssh/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
$BLOCK_END
EOF

# ---- wait until both answer -------------------------------------------------------------------
for i in $(seq 150); do
  slurm_idle && break
  ((i < 150)) || die "the node never became idle: $(sinfo -h -N -o '%N %t %E' 2>&1 | head -3); see $STATE/log/"
  sleep 0.2
done
for i in $(seq 50); do
  ssh_answers && break
  ((i < 50)) || die "ssh $SSH_ALIAS does not answer: $(ssh -F "$SSH_CONFIG" -o BatchMode=yes "$SSH_ALIAS" true 2>&1 </dev/null | tail -1)"
  sleep 0.2
done

cat >"$STATE/env.tmp" <<EOF
GRUN_CLUSTER_STATE=${STATE}
SLURM_CONF=${conf}
SLURM_PARTITION=debug
GRUN_SSH_HOST=${SSH_ALIAS}
GRUN_SSH_PORT=${SSH_PORT}
GRUN_SSH_KEY=${STATE}/ssh/id_ed25519
EOF
mv "$STATE/env.tmp" "$STATE/env"
say "slurm $(sinfo --version | awk '{print $2}') node ${host} idle; ssh ${SSH_ALIAS} (127.0.0.1:${SSH_PORT}) answers"
say "environment in $STATE/env (export SLURM_CONF=$conf)"
