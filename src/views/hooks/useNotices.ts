// Notices of runs that end while the dashboard watches them (engine/notify.ts): the status line
// says so, the terminal bell rings (tmux passes it on; `notify: bell: no` turns it off), and a
// configured command or URL is posted to. Runs already ended at start are not news. A running
// run whose objective (the scalar sorted by, else `loss`) last logged NaN is news once.
import { useStdout } from 'ink';
import { useEffect, useMemo, useRef } from 'react';
import { endNotices, loadNotifyConfig, nanNotice, postNotice, type Notice, type NotifyConfig } from '../../engine/notify.js';
import { findScalar, type ScalarLookup } from '../state/view.js';
import type { Run, RunStatus } from '../../store/types.js';
import type { AppAction } from '../state/app.js';

export function useNotices(
  home: string, runs: readonly Run[], loaded: boolean, scalars: ScalarLookup, objective: string, dispatch: (a: AppAction) => void,
): void {
  const { stdout } = useStdout();
  const cfg = useMemo((): NotifyConfig | string => {
    try {
      return loadNotifyConfig(home);
    } catch (e) {
      return (e as Error).message;
    }
  }, [home]);
  const before = useRef<Map<string, RunStatus> | null>(null);
  useEffect(() => {
    if (typeof cfg === 'string') dispatch({ type: 'message', text: cfg, error: true });
  }, [cfg]);
  useEffect(() => {
    if (!loaded) return;
    const prev = before.current;
    before.current = new Map(runs.map((r) => [r.id, r.status]));
    if (!prev) return;
    announce(endNotices(prev, runs));
  }, [runs, loaded]);
  const nanSeen = useRef(new Set<string>());
  useEffect(() => {
    const diverged = runs.filter((r) => r.status === 'running' && !nanSeen.current.has(r.id) && Number.isNaN(findScalar(scalars.get(r.id), objective)?.last));
    for (const r of diverged) nanSeen.current.add(r.id);
    announce(diverged.map((r) => ({ ...nanNotice(r, objective), nan: true })));
  }, [runs, scalars, objective]);

  function announce(notices: (Notice & { nan?: boolean })[]): void {
    if (notices.length === 0) return;
    const text = notices.length === 1 ? notices[0]!.text : `${notices.length} runs: ${notices.map((n) => `${n.run.slice(0, 8)} ${n.nan ? 'NaN' : n.status}`).join(', ')}`;
    dispatch({ type: 'message', text, error: notices.some((n) => n.nan || n.status !== 'completed') });
    if (typeof cfg === 'string') return;
    if (cfg.bell) stdout.write('\x07');
    for (const n of notices) {
      void postNotice(cfg, n).then((failed) => failed.forEach((f) => dispatch({ type: 'message', text: f, error: true })));
    }
  }
}
