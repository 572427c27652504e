// Per-run data for the detail, attach and file screens: scalars, a scalar's series, live
// output (bounded ring), the run's files and a file's text.
import { join } from 'node:path';
import { useEffect, useState } from 'react';
import { readAttr } from '../../store/attrs.js';
import { shlexQuote } from '../../store/opref.js';
import { OutputReader, tailOutputLines, type OutputLine } from '../../store/output.js';
import { readFileHead, walkRunFiles, type RunFileEntry } from '../../store/run-files.js';
import { readRunScalars, readScalarSeries } from '../../store/scalars.js';
import type { Run, ScalarPoint, ScalarSummary } from '../../store/types.js';
import type { OutputView } from '../layout.js';

export type { OutputView };

/** Lines of output kept in memory per view. */
const OUTPUT_RING = 5000;
const OUTPUT_POLL_MS = 100;

/** The run's command line from its `cmd` attr (not in the listing summary). */
export function useRunCommand(run: Run | undefined): string | null {
  const [cmd, setCmd] = useState<string | null>(null);
  useEffect(() => {
    if (!run) return setCmd(null);
    const a = readAttr(run.dir, 'cmd');
    setCmd(a.kind === 'ok' && Array.isArray(a.value) ? a.value.map((x) => shlexQuote(String(x))).join(' ') : null);
  }, [run?.dir]);
  return cmd;
}

export function useRunScalars(run: Run | undefined): ScalarSummary[] {
  const [list, setList] = useState<ScalarSummary[]>([]);
  useEffect(() => {
    if (!run) return setList([]);
    try {
      setList(readRunScalars(run.dir).summaries);
    } catch {
      setList([]);
    }
  }, [run]);
  return list;
}

export function useScalarSeries(run: Run | undefined, key: string | undefined): ScalarPoint[] {
  const [series, setSeries] = useState<ScalarPoint[]>([]);
  useEffect(() => {
    if (!run || !key) return setSeries([]);
    try {
      setSeries(readScalarSeries(run.dir, key));
    } catch {
      setSeries([]);
    }
  }, [run, key]);
  return series;
}

/** Every scalar series of each run (compare's sparklines and plot), keyed `runId\0key`. */
export function useSeriesOf(runs: readonly Run[], keysOf: (r: Run) => string[]): Map<string, ScalarPoint[]> {
  const [map, setMap] = useState(new Map<string, ScalarPoint[]>());
  const sig = runs.map((r) => `${r.id}:${keysOf(r).join(',')}`).join(';');
  useEffect(() => {
    const next = new Map<string, ScalarPoint[]>();
    for (const r of runs) {
      for (const k of keysOf(r)) {
        try {
          next.set(`${r.id}\0${k}`, readScalarSeries(r.dir, k));
        } catch {
          // a run without readable events has no trend
        }
      }
    }
    setMap(next);
  }, [sig]);
  return map;
}

/** Progress bars redraw with `\r`: keep what the terminal would show, the last segment. */
export function collapseCarriageReturns(text: string): string {
  if (!text.includes('\r')) return text;
  const parts = text.split('\r').filter((p) => p !== '');
  return parts[parts.length - 1] ?? '';
}


/**
 * A run's output: the last OUTPUT_RING lines, then, while `live`, new lines every 100 ms.
 * Finished runs are read from the end (bounded memory however long the output is).
 */
/** A live view starts this far from the end of a long output: memory stays bounded. */
const OUTPUT_TAIL_BYTES = 4 * 1024 * 1024;

export function useOutput(run: Run | undefined, live: boolean): OutputView {
  const [view, setView] = useState<OutputView>({ lines: [], first: 0 });
  const dir = run?.dir;
  useEffect(() => {
    if (!dir) return setView({ lines: [], first: 0 });
    const clean = (ls: OutputLine[]) => ls.map((l) => (l.text.includes('\r') ? { ...l, text: collapseCarriageReturns(l.text) } : l));
    if (!live) {
      try {
        const lines = clean(tailOutputLines(dir, OUTPUT_RING));
        setView({ lines, first: 0 });
      } catch {
        setView({ lines: [], first: 0 });
      }
      return;
    }
    let lines: OutputLine[] = [];
    let first = 0;
    let partial = '';
    const reader = new OutputReader(dir, { tailBytes: OUTPUT_TAIL_BYTES });
    const poll = () => {
      let got: OutputLine[];
      try {
        got = reader.poll();
      } catch {
        return;
      }
      const nextPartial = collapseCarriageReturns(reader.partialLine());
      if (got.length === 0 && nextPartial === partial) return;
      partial = nextPartial;
      lines = lines.concat(clean(got));
      if (lines.length > OUTPUT_RING) {
        first += lines.length - OUTPUT_RING;
        lines = lines.slice(-OUTPUT_RING);
      }
      // a progress bar redrawn with \r shows as it moves, not only once its line ends
      setView({ lines: partial ? [...lines, { time: 0, stream: 0, text: partial }] : lines, first });
    };
    poll();
    const t = setInterval(poll, OUTPUT_POLL_MS);
    return () => clearInterval(t);
  }, [dir, live]);
  return view;
}

export type RunFile = RunFileEntry;

const MAX_FILES = 2000;

export function useRunFiles(run: Run | undefined, active: boolean): RunFile[] {
  const [files, setFiles] = useState<RunFile[]>([]);
  useEffect(() => {
    setFiles(run && active ? walkRunFiles(run.dir, '', { limit: MAX_FILES }).filter((f) => !f.dir) : []);
  }, [run?.dir, active]);
  return files;
}

export function useFileText(runDir: string | undefined, file: string | null): string[] {
  const [lines, setLines] = useState<string[]>([]);
  useEffect(() => {
    setLines(runDir && file ? readFileHead(join(runDir, file)) : []);
  }, [runDir, file]);
  return lines;
}
