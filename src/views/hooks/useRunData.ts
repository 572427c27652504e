// Per-run data for the detail, attach and file screens: scalars, a scalar's series, live
// output (bounded ring), the run's files and a file's text.
import { join } from 'node:path';
import { useEffect, useState } from 'react';
import { readAttr } from '../../store/attrs.js';
import { shlexQuote } from '../../store/opref.js';
import { OutputReader, outputLineCount, readOutputLines, tailOutputLines, type OutputLine } from '../../store/output.js';
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

export function useOutput(run: Run | undefined, live: boolean, at: number | null = null): OutputView {
  const [view, setView] = useState<OutputView>(EMPTY_OUTPUT);
  const dir = run?.dir;
  useEffect(() => {
    if (!dir) return setView(EMPTY_OUTPUT);
    if (!live) {
      try {
        const lines = clean(tailOutputLines(dir, OUTPUT_RING));
        const total = Math.max(outputLineCount(dir), lines.length);
        setView({ lines, first: total - lines.length, total });
      } catch {
        setView(EMPTY_OUTPUT);
      }
      return;
    }
    let lines: OutputLine[] = [];
    let first = 0;
    let partial = '';
    const reader = new OutputReader(dir, { tailBytes: OUTPUT_TAIL_BYTES });
    let started = false;
    const poll = () => {
      let got: OutputLine[];
      try {
        got = reader.poll();
      } catch {
        return;
      }
      if (!started) {
        // a long output is followed from near its end: the lines before count from the file
        started = true;
        first = Math.max(0, outputLineCount(dir) - got.length - (reader.partialLine() ? 1 : 0));
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
      const shown = partial ? [...lines, { time: 0, stream: 0 as const, text: partial }] : lines;
      setView({ lines: shown, first, total: first + shown.length });
    };
    poll();
    const t = setInterval(poll, OUTPUT_POLL_MS);
    return () => clearInterval(t);
  }, [dir, live]);
  // scrolled away from the lines held (g, a search's match far back): a window read from the file
  const [window, setWindow] = useState<OutputView | null>(null);
  const holds = (v: OutputView | null, n: number) => !!v && n >= v.first && n + OUTPUT_PAGE_MAX <= v.first + v.lines.length + 1;
  const inView = at === null || holds(view, at) || view.first + view.lines.length >= view.total && at >= view.first;
  useEffect(() => {
    if (!dir || at === null || inView) return setWindow(null);
    if (holds(window, at)) return;
    try {
      const start = Math.max(0, at - OUTPUT_RING / 4);
      setWindow({ lines: clean(readOutputLines(dir, { start, limit: OUTPUT_RING })), first: start, total: view.total });
    } catch {
      setWindow(null);
    }
  }, [dir, at, inView]);
  return !inView && window ? { ...window, total: view.total } : view;
}

const EMPTY_OUTPUT: OutputView = { lines: [], first: 0, total: 0 };
/** Lines a window holds past the first shown (taller screens than this read a new window). */
const OUTPUT_PAGE_MAX = 200;

const clean = (ls: OutputLine[]) => ls.map((l) => (l.text.includes('\r') ? { ...l, text: collapseCarriageReturns(l.text) } : l));

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
