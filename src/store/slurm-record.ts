// `.guild/grun-slurm`: which Slurm job runs a run (JSON), written by the Slurm executor when it
// submits the run and again when it finalizes one whose supervisor never could. Read with the
// summary, so listings know a Slurm run without a probe of their own.
import { join } from 'node:path';
import { writeFileAtomicSync } from './atomic.js';
import { readSmallFile } from './small-file.js';
import type { SlurmRecord } from './types.js';

export const SLURM_RECORD_FILE = 'grun-slurm';

export function readSlurmRecord(runDir: string): SlurmRecord | null {
  try {
    const rec = JSON.parse(readSmallFile(join(runDir, '.guild', SLURM_RECORD_FILE)).toString('utf8')) as SlurmRecord;
    return rec && rec.executor === 'slurm' && typeof rec.jobId === 'string' ? rec : null;
  } catch {
    return null; // missing or torn: not known as a Slurm run
  }
}

export function writeSlurmRecord(runDir: string, rec: SlurmRecord): void {
  writeFileAtomicSync(join(runDir, '.guild', SLURM_RECORD_FILE), JSON.stringify(rec) + '\n');
}
