// Guild's `pip_freeze` attr: the packages of the Python a run uses (`python -m pip freeze`), for
// Python operations unless guild.yml says `pip-freeze: no` or NO_PIP_FREEZE=1 (Guild's rule,
// python_script plugin). The supervisor takes it while the command runs and records it before
// the run's end, so the freeze never delays the start.
import { execFile } from 'node:child_process';
import { writeAttr } from '../store/attrs.js';
import type { YamlValue } from '../store/types.js';

/** Whether a run of a Python operation gets the attr: `pip-freeze` as guild.yml gives it. */
export function pipFreezeWanted(isPython: boolean, optionValue: YamlValue | undefined): boolean {
  return isPython && optionValue !== false && process.env.NO_PIP_FREEZE !== '1';
}

const FREEZE_TIMEOUT_MS = 120_000;

/**
 * Starts `python -m pip freeze`; the promise writes the attr (its lines, or null where pip
 * failed, as Guild) and never rejects.
 */
export function recordPipFreeze(runDir: string, python: string): Promise<void> {
  return new Promise((resolve) => {
    execFile(python, ['-m', 'pip', 'freeze'], { timeout: FREEZE_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      try {
        writeAttr(runDir, 'pip_freeze', err ? null : stdout.split(/\r?\n/).filter((l) => l !== ''));
      } catch {
        // the run dir was moved away or the disk is full: the run's end matters more
      }
      resolve();
    });
  });
}
