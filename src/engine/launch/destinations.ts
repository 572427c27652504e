// Where a launch can go, for a front end to offer: here, Slurm (when sbatch is on PATH), and
// each remote of config.yml. Each id is what a LaunchRequest takes: '' here, 'slurm' the
// `--executor`, any other a remote's name.
import { resolveExecutable } from '../interpreter.js';
import { loadRemotes, type RemoteConfig } from '../remote/config.js';
import type { LaunchRequest } from './request.js';

export interface LaunchDestination {
  id: string;
  label: string;
}

const HERE_ID = '';
const SLURM_ID = 'slurm';

export function launchDestinations(home: string): LaunchDestination[] {
  const out = [{ id: HERE_ID, label: 'here' }];
  if (resolveExecutable('sbatch') !== 'sbatch') out.push({ id: SLURM_ID, label: 'Slurm (--executor slurm)' });
  let remotes: RemoteConfig[] = [];
  try {
    remotes = [...loadRemotes(home).values()];
  } catch {
    // a broken config.yml: `grun remote status` names the problem; here the run can stay local
  }
  for (const r of remotes) {
    const what = r.type === 'ssh' ? `ssh ${r.host}` : `Slurm${r.partition ? `, partition ${r.partition}` : ''}`;
    out.push({ id: r.name, label: `${r.name} (${what})` });
  }
  return out;
}

/** The `executor`/`remote` of a request sent to the destination `id`. */
export function destinationFields(id: string): Pick<LaunchRequest, 'executor' | 'remote'> {
  if (id === HERE_ID) return {};
  return id === SLURM_ID ? { executor: 'slurm' } : { remote: id };
}
