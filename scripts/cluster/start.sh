#!/usr/bin/env bash
# Starts a real single-node Slurm (slurmctld + slurmd, munge, accounting through slurmdbd and a
# private MariaDB, so that `sacct` answers) and an sshd on 127.0.0.1 for grun's end-to-end tests:
# Debian's packages, installed when missing; config, keys, logs and pids under
# $GRUN_CLUSTER_STATE (default /tmp/grun-cluster); a `Host grun-loopback` block appended to
# ~/.ssh/config. Writes $STATE/env (SLURM_CONF=…, GRUN_SSH_HOST=…) once both answer; the tests
# skip without it. Idempotent: a cluster that already answers is left as it is. Needs root.
# Stop with scripts/cluster/stop.sh. The settings follow the Slurm docs for a one-node cluster.
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
  for f in mariadbd slurmdbd slurmctld slurmd sshd; do
    [[ -f "$STATE/pids/$f" ]] && pid_alive "$(cat "$STATE/pids/$f")" || return 1
  done
}
sacct_answers() { SLURM_CONF="$STATE/slurm/slurm.conf" sacct -n -X -j 1 >/dev/null 2>&1; }
if [[ -f "$STATE/env" ]] && all_recorded_alive && slurm_idle && sacct_answers && ssh_answers; then
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
  ssh:openssh-client rsync:rsync slurmdbd:slurmdbd mariadbd:mariadb-server; do
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
for port in "$SLURMCTLD_PORT" "$SLURMD_PORT" "$SLURMDBD_PORT" "$MARIADB_PORT" "$SSH_PORT"; do
  if ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then
    die "port $port is in use by another program (set GRUN_SSH_PORT / GRUN_SLURMCTLD_PORT / GRUN_SLURMD_PORT / GRUN_SLURMDBD_PORT / GRUN_MARIADB_PORT)"
  fi
done

umask 022
mkdir -p "$STATE"/{pids,log,slurm/state,slurm/spool,ssh,mariadb}
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

# ---- accounting: a private MariaDB, then slurmdbd's config ------------------------------------
# Our own server (data, socket and pid under $STATE, TCP on 127.0.0.1 only), whatever the package's
# system service does. A fresh database each start: stop.sh removes it with the rest of the state.
db="$STATE/mariadb"
chown mysql:mysql "$db"
if [[ ! -d "$db/data/mysql" ]]; then
  mariadb-install-db --no-defaults --user=mysql --datadir="$db/data" --auth-root-authentication-method=socket \
    --skip-test-db >"$STATE/log/mariadb-install.log" 2>&1 || die "mariadb-install-db failed: see $STATE/log/mariadb-install.log"
fi
db_ping() { mariadb-admin --no-defaults --socket="$db/mariadbd.sock" ping >/dev/null 2>&1; }
rm -f "$db/mariadbd.pid"
setsid mariadbd --no-defaults --user=mysql --datadir="$db/data" --socket="$db/mariadbd.sock" \
  --pid-file="$db/mariadbd.pid" --bind-address=127.0.0.1 --port="$MARIADB_PORT" --skip-name-resolve \
  --innodb-buffer-pool-size=64M --innodb-lock-wait-timeout=900 --log-error="$STATE/log/mariadb.log" \
  </dev/null >/dev/null 2>&1 &
for _ in $(seq 150); do db_ping && [[ -s "$db/mariadbd.pid" ]] && break; sleep 0.2; done
db_ping || die "mariadbd does not answer (see $STATE/log/mariadb.log)"
cp "$db/mariadbd.pid" "$STATE/pids/mariadbd"
[[ -s "$db/slurm.pass" ]] || (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$db/slurm.pass")
db_pass=$(cat "$db/slurm.pass")
mariadb --no-defaults --socket="$db/mariadbd.sock" -u root >/dev/null <<EOF || die "could not create the slurm database user"
CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY '${db_pass}';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';
EOF

# slurmdbd reads slurmdbd.conf beside $SLURM_CONF; it must be private to SlurmUser (it holds the password).
conf="$STATE/slurm/slurm.conf"
export SLURM_CONF="$conf"
(umask 077 && cat >"$STATE/slurm/slurmdbd.conf" <<EOF
# Written by grun's scripts/cluster/start.sh: accounting for the one-node cluster.
AuthType=auth/munge
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=${SLURMDBD_PORT}
SlurmUser=root
PidFile=${STATE}/slurm/slurmdbd.pid
LogFile=${STATE}/log/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=${MARIADB_PORT}
StorageUser=slurm
StoragePass=${db_pass}
StorageLoc=slurm_acct_db
EOF
)

# ---- slurm ------------------------------------------------------------------------------------
cpus=$(nproc)
mem_mb=$(awk '/^MemTotal:/ { m = int($2 / 1024) - 1024; print (m < 256 ? 256 : m) }' /proc/meminfo)
cat >"$conf" <<EOF
# Written by grun's scripts/cluster/start.sh: one node, root, accounting through slurmdbd.
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
# Jobs are recorded by slurmdbd: sacct answers for a job squeue and scontrol no longer list.
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=${SLURMDBD_PORT}
# Finished jobs stay visible to squeue -t all / scontrol for MinJobAge s (default 300), then only
# to sacct: short, so that tests see jobs leave the queue as they do on a real cluster.
MinJobAge=${MIN_JOB_AGE}
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

start_daemon() { # name, command...: starts a self-daemonizing daemon, records the pid from its pid file
  local name="$1" pidfile="$STATE/slurm/$1.pid"
  shift
  rm -f "$pidfile"
  "$@" || die "$name did not start (see $STATE/log/$name.log)"
  for _ in $(seq 100); do [[ -s "$pidfile" ]] && break; sleep 0.1; done
  [[ -s "$pidfile" ]] || die "$name wrote no pid file (see $STATE/log/$name.log)"
  cp "$pidfile" "$STATE/pids/$name"
}
start_daemon slurmdbd slurmdbd
for _ in $(seq 100); do sacctmgr -n show cluster >/dev/null 2>&1 && break; sleep 0.1; done
sacctmgr -n show cluster >/dev/null 2>&1 || die "slurmdbd does not answer (see $STATE/log/slurmdbd.log)"
sacctmgr -i add cluster grun >/dev/null 2>&1 || true # already there when the database was kept
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
  sacct_answers && break
  ((i < 50)) || die "sacct does not answer: $(sacct -n -X -j 1 2>&1 | tail -1); see $STATE/log/slurmdbd.log"
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
say "slurm $(sinfo --version | awk '{print $2}') node ${host} idle, sacct answers; ssh ${SSH_ALIAS} (127.0.0.1:${SSH_PORT}) answers"
say "environment in $STATE/env (export SLURM_CONF=$conf)"
