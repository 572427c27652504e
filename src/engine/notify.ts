// Notices of runs that end: the dashboard shows one line and rings the terminal bell (tmux
// passes it on); `grun watch --notify` and the dashboard also post each notice where the
// `notify:` section of config.yml says (the Guild home's, then the user's; the home's wins):
//
//   notify:
//     bell: no                  # the dashboard's bell off (default yes)
//     command: notify-send grun "$GRUN_NOTICE"   # run with sh, the notice in GRUN_NOTICE
//     url: https://hooks.example/…              # POSTed {"text", "run", "status"} as JSON
//
// Posting never blocks: the command is started and left, the POST has a timeout, and a
// failure is reported, never thrown.
import { spawn } from 'node:child_process';
import { GrunError } from '../store/errors.js';
import type { Run, RunStatus } from '../store/types.js';
import { booleanField, configSections } from './config-sections.js';

export interface NotifyConfig {
  bell: boolean;
  command: string | null;
  url: string | null;
}

export interface Notice {
  run: string;
  status: RunStatus;
  text: string;
}

const ENDED: readonly RunStatus[] = ['completed', 'error', 'terminated'];
const POST_TIMEOUT_MS = 5000;

/** The runs that were running at the last look and have ended since, as notices. */
export function endNotices(before: ReadonlyMap<string, RunStatus>, runs: readonly Run[]): Notice[] {
  return runs.flatMap((r) => (before.get(r.id) === 'running' && ENDED.includes(r.status) ? [endNotice(r)] : []));
}

export const endNotice = (r: Run): Notice => ({
  run: r.id, status: r.status, text: `run ${r.id.slice(0, 8)} ${r.operation}${r.label ? ` (${r.label})` : ''} ${r.status}${r.exitStatus ? ` (exit ${r.exitStatus})` : ''}`,
});

/** A running run whose objective's last value is NaN (it diverged), as a notice. */
export const nanNotice = (r: Run, objective: string): Notice => ({
  run: r.id, status: r.status, text: `run ${r.id.slice(0, 8)} ${r.operation}${r.label ? ` (${r.label})` : ''} logged NaN for ${objective}`,
});

/** The `notify:` settings; a malformed section is a GrunError naming the file and field. */
export function loadNotifyConfig(home: string, env: NodeJS.ProcessEnv = process.env): NotifyConfig {
  const cfg: NotifyConfig = { bell: true, command: null, url: null };
  for (const { path, section: n } of configSections(home, 'notify', 'bell, command, url', env)) {
    cfg.bell = booleanField(n, 'bell', 'notify', path) ?? cfg.bell;
    for (const k of ['command', 'url'] as const) {
      const v = n[k];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'string' || v === '') throw new GrunError(`${path}: notify.${k} must be a non-empty string`);
      if (k === 'url' && !/^https?:\/\//.test(v)) throw new GrunError(`${path}: notify.url must be an http(s) URL, not ${JSON.stringify(v)}`);
      cfg[k] = v;
    }
  }
  return cfg;
}

/** Posts a notice to the configured command and URL; resolves with what failed (empty: nothing). */
export async function postNotice(cfg: NotifyConfig, n: Notice): Promise<string[]> {
  const failed: string[] = [];
  if (cfg.command) {
    try {
      const child = spawn('sh', ['-c', cfg.command], {
        stdio: 'ignore', detached: true, env: { ...process.env, GRUN_NOTICE: n.text, GRUN_RUN: n.run, GRUN_STATUS: n.status },
      });
      child.on('error', () => {});
      child.unref();
    } catch (e) {
      failed.push(`notify command: ${(e as Error).message}`);
    }
  }
  if (cfg.url) {
    try {
      const res = await fetch(cfg.url, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(n), signal: AbortSignal.timeout(POST_TIMEOUT_MS),
      });
      if (!res.ok) failed.push(`notify url: ${res.status} ${res.statusText}`);
    } catch (e) {
      failed.push(`notify url: ${(e as Error).message}`);
    }
  }
  return failed;
}
