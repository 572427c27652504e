// The executor of a local mirror of a remote run (`.guild/LOCK.remote`): the run's process lives
// on the ssh remote, so stopping asks the remote grun, and following its output pulls the mirror
// every few seconds in the background (the mirror's own reader then sees the new lines). A remote
// that cannot be reached leaves the mirror as it is: `running (remote)`, never `error`.
import { OutputReader, readOutputLines, type OutputLine } from '../../store/output.js';
import { loadRunSummary } from '../../store/run.js';
import { deriveStatus } from '../../store/status.js';
import type { Run, StatusInfo } from '../../store/types.js';
import type { FollowOptions, OutputFollower, RunHandle, StopOptions, StopOutcome } from '../executor-types.js';
import { remoteOf, stopRemoteRun } from './remote-run.js';
import { pullRuns } from './runs.js';
import { RemoteUnreachable } from './ssh.js';

/** How often a followed mirror is pulled. */
const PULL_EVERY_MS = 2000;

function homeOf(run: Run): string {
  // runs/<id> under the home
  return run.dir.replace(/\/runs\/[^/]+\/?$/, '');
}

export const mirrorExecutor: RunHandle = {
  name: 'ssh',

  /** The remote grun stops it (SIGTERM, `timeout`, `force` as there); "pid" is 0. */
  async stop(run: Run, opts: StopOptions = {}, onSignal?: (target: string) => void): Promise<StopOutcome> {
    let r;
    try {
      r = await stopRemoteRun(homeOf(run), run, opts);
    } catch (e) {
      if (e instanceof RemoteUnreachable) return { kind: 'not-running', message: e.message };
      throw e;
    }
    onSignal?.(`on ${remoteOf(run)}`);
    if (opts.noWait) return { kind: 'signalled', pid: 0 };
    if (r.code !== 0) return { kind: 'not-running', message: r.output || `Run ${run.id} is not running` };
    const status = deriveStatus(loadRunSummary(run.dir, run.deleted));
    return { kind: status.status === 'running' ? 'timed-out' : 'stopped', pid: 0, status };
  },

  interrupt(run: Run): boolean {
    void stopRemoteRun(homeOf(run), run, { noWait: true }).catch(() => {});
    return true;
  },

  status(run: Run): StatusInfo {
    return deriveStatus(loadRunSummary(run.dir, run.deleted));
  },

  async settled(): Promise<void> {
    // The mirror is final once a pull has removed LOCK.remote; nothing to wait for here.
  },

  readOutput(run: Run, from: number): OutputLine[] {
    return readOutputLines(run.dir, { start: from });
  },

  followOutput(run: Run, opts: FollowOptions = {}): OutputFollower {
    const reader = new OutputReader(run.dir, opts);
    const home = homeOf(run);
    const name = remoteOf(run);
    let last = 0;
    let inFlight = false;
    return {
      poll(): OutputLine[] {
        if (!inFlight && Date.now() - last >= PULL_EVERY_MS) {
          inFlight = true;
          last = Date.now();
          // Unreachable or failing pulls leave the mirror as it is; the next poll tries again.
          void pullRuns(home, name, [run.id])
            .catch(() => {})
            .finally(() => (inFlight = false));
        }
        return reader.poll();
      },
      partialLine: () => reader.partialLine(),
    };
  },
};
