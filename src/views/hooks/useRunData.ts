// Per-run data for the detail, attach and file screens: scalars, a scalar's series, live
// output (bounded ring), the run's files and a file's text.
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { useEffect, useState } from 'react';
import { readAttr } from '../../store/attrs.js';
import { shlexQuote } from '../../store/opref.js';
import { OutputReader, tailOutputLines, type OutputLine } from '../../store/output.js';
import { readRunScalars, readScalarSeries } from '../../store/scalars.js';
import type { Run, ScalarPoint, ScalarSummary } from '../../store/types.js';

/** Lines of output kept in memory per view. */
export const OUTPUT_RING = 5000;
const OUTPUT_POLL_MS = 100;

/** The run's command line from its `cmd` attr (not in the listing summary). */
export function useRunCommand(run: Run | undefined): string | null {
  const [cmd, setCmd] = useState<string | null>(null);
  useEffect(() => {
    if (!run) return;
    const a = readAttr(run.dir, 'cmd');
    setCmd(a.kind === 'ok' && Array.isArray(a.value) ? a.value.map((x) => shlexQuote(String(x))).join(' ') : null);
  }, [run?.dir]);
  return cmd;
}

export function useRunScalars(run: Run | undefined): ScalarSummary[] {
  const [list, setList] = useState<ScalarSummary[]>([]);
  useEffect(() => {
    if (!run) return;
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

/** Progress bars redraw with `\r`: keep what the terminal would show, the last segment. */
export function collapseCarriageReturns(text: string): string {
  if (!text.includes('\r')) return text;
  const parts = text.split('\r').filter((p) => p !== '');
  return parts[parts.length - 1] ?? '';
}

export interface OutputView {
  lines: OutputLine[];
  /** Number of lines before `lines[0]` that were dropped (ring) or never read (tail). */
  first: number;
}

/**
 * A run's output: the last OUTPUT_RING lines, then, while `live`, new lines every 100 ms.
 * Finished runs are read from the end (bounded memory however long the output is).
 */
export function useOutput(run: Run | undefined, live: boolean): OutputView {
  const [view, setView] = useState<OutputView>({ lines: [], first: 0 });
  const dir = run?.dir;
  useEffect(() => {
    if (!dir) return;
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
    const reader = new OutputReader(dir);
    const poll = () => {
      let got: OutputLine[];
      try {
        got = reader.poll();
      } catch {
        return;
      }
      if (got.length === 0) return;
      lines = lines.concat(clean(got));
      if (lines.length > OUTPUT_RING) {
        first += lines.length - OUTPUT_RING;
        lines = lines.slice(-OUTPUT_RING);
      }
      setView({ lines, first });
    };
    poll();
    const t = setInterval(poll, OUTPUT_POLL_MS);
    return () => clearInterval(t);
  }, [dir, live]);
  return view;
}

export interface RunFile {
  path: string; // relative to the run dir
  size: number;
  link: boolean;
}

const MAX_FILES = 2000;

/** The run's files as `grun ls` lists them: `.guild` left out, links shown, not followed. */
export function listRunFiles(runDir: string): RunFile[] {
  const out: RunFile[] = [];
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      if (out.length >= MAX_FILES) return;
      const p = join(dir, e.name);
      const rel = relative(runDir, p);
      if (rel === '.guild') continue;
      if (e.isDirectory()) walk(p);
      else {
        let size = 0;
        try {
          size = statSync(p).size;
        } catch {
          // a dangling link
        }
        out.push({ path: rel, size, link: e.isSymbolicLink() });
      }
    }
  };
  walk(runDir);
  return out;
}

export function useRunFiles(run: Run | undefined, active: boolean): RunFile[] {
  const [files, setFiles] = useState<RunFile[]>([]);
  useEffect(() => {
    if (run && active) setFiles(listRunFiles(run.dir));
  }, [run?.dir, active]);
  return files;
}

const MAX_VIEW_BYTES = 512 * 1024;

/** The first 512 KiB of a file as lines; binary files say so. */
export function readFileHead(path: string): string[] {
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(MAX_VIEW_BYTES);
    const n = readSync(fd, buf, 0, MAX_VIEW_BYTES, 0);
    const bytes = buf.subarray(0, n);
    if (bytes.includes(0)) return [`(binary file, ${statSync(path).size} bytes)`];
    const lines = bytes.toString('utf8').split('\n');
    if (n === MAX_VIEW_BYTES) lines.push(`… (first ${MAX_VIEW_BYTES / 1024} KiB shown)`);
    return lines;
  } catch (e) {
    return [`cannot read: ${(e as Error).message}`];
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

export function useFileText(runDir: string | undefined, file: string | null): string[] {
  const [lines, setLines] = useState<string[]>([]);
  useEffect(() => {
    if (runDir && file) setLines(readFileHead(join(runDir, file)));
  }, [runDir, file]);
  return lines;
}
