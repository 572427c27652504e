// Curves of several series in one plot (compare's overlay, the detail's scalars tab): x is the
// step (or seconds since a run's first point), y linear or log10. asciichart draws each series'
// line and the y axis on one shared scale; the series are laid over each other here, each from
// the column of its first point to that of its last, so a run that ran fewer steps ends where
// its last step is. Without colour each series draws with its own marker. A band (a seed
// group's min–max) is shaded under its line. NaN and infinities (and, on a log scale, values
// ≤ 0) are left out and counted. Pure.
import asciichart, { type PlotConfig } from 'asciichart';
import { formatNumber } from './format.js';
import type { Theme } from './theme.js';

export interface PlotPoint {
  x: number;
  y: number;
}

export interface PlotSeries {
  /** The legend's text (a run id, a group's flags). */
  label: string;
  points: readonly PlotPoint[];
  /** Per x, the lowest and highest value of a group (drawn as a shaded band). */
  band?: readonly { x: number; lo: number; hi: number }[];
}

export interface PlotOptions {
  width: number;
  /** Lines of the plot itself (the x axis line not counted). */
  height: number;
  log: boolean;
  theme: Theme;
  /** How x values are written under the plot. */
  formatX?: (x: number) => string;
}

export interface Plot {
  /** The plot's lines, the x axis last; coloured with SGR codes when the theme has colour. */
  lines: string[];
  /** Points left out: NaN or infinite; on a log scale, ≤ 0. */
  notFinite: number;
  notPositive: number;
}

export const SERIES_COLORS = ['cyan', 'magenta', 'yellow', 'green', 'blue', 'red'] as const;
export const SERIES_MARKERS = ['●', '×', '+', '○', '◆', '■', '▲', '*'] as const;
const BAND = '░';
const LABEL_W = 9;
/** Columns left of the first plot column: the label, a space and the axis. */
export const PLOT_GUTTER = LABEL_W + 2;

/** The series' marker (no colour) or coloured line glyph (colour) for the legend. */
export const seriesKey = (i: number, theme: Theme): string =>
  theme.color ? theme.paint('━', SERIES_COLORS[i % SERIES_COLORS.length]!) : SERIES_MARKERS[i % SERIES_MARKERS.length]!;

export function plotSeries(series: readonly PlotSeries[], o: PlotOptions): Plot {
  let notFinite = 0;
  let notPositive = 0;
  const yOf = (y: number): number | null => {
    if (!Number.isFinite(y)) return null;
    if (!o.log) return y;
    return y > 0 ? Math.log10(y) : null;
  };
  const clean = series.map((s) => {
    const pts: PlotPoint[] = [];
    for (const p of s.points) {
      const y = yOf(p.y);
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) notFinite++;
      else if (y === null) notPositive++;
      else pts.push({ x: p.x, y });
    }
    const band = (s.band ?? []).flatMap((b) => {
      const lo = yOf(b.lo);
      const hi = yOf(b.hi);
      return lo === null || hi === null || !Number.isFinite(b.x) ? [] : [{ x: b.x, lo, hi }];
    });
    return { pts, band };
  });
  const all = clean.flatMap((c) => c.pts);
  const plotW = o.width - PLOT_GUTTER - 1;
  if (all.length === 0 || o.height < 2 || plotW < 2) return { lines: [], notFinite, notPositive };

  const xs = all.map((p) => p.x).concat(clean.flatMap((c) => c.band.map((b) => b.x)));
  const ys = all.map((p) => p.y).concat(clean.flatMap((c) => c.band.flatMap((b) => [b.lo, b.hi])));
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  let yMin = Math.min(...ys);
  let yMax = Math.max(...ys);
  if (yMax === yMin) {
    const pad = Math.abs(yMin) * 0.1 || 1;
    yMin -= pad;
    yMax += pad;
  }
  const rows = o.height - 1;
  // sample j (0..plotW) of x: column j after the axis column (asciichart draws sample j at j)
  const col = (x: number) => (xMax === xMin ? plotW : Math.round(((x - xMin) / (xMax - xMin)) * plotW));
  const cfg = {
    min: yMin, max: yMax, height: rows, offset: 3,
    format: (v: number) => formatNumber(o.log ? 10 ** v : v, LABEL_W).padStart(LABEL_W),
  };
  // the axis and its labels: a one-point plot draws nothing past them
  const base = asciichart.plot([yMin], cfg).split('\n').map((l) => [...l.slice(0, PLOT_GUTTER - 1), '┤', ...' '.repeat(plotW)]);
  const owner: number[][] = base.map((l) => l.map(() => -1));
  const ratio = rows / (yMax - yMin);
  const rowOf = (y: number) => rows - (Math.round(y * ratio) - Math.round(yMin * ratio));
  const put = (r: number, j: number, ch: string, who: number) => {
    if (r < 0 || r > rows || j < 0 || j > plotW) return;
    base[r]![PLOT_GUTTER - 1 + j] = ch;
    owner[r]![PLOT_GUTTER - 1 + j] = who;
  };

  clean.forEach((c, i) => {
    for (const [j, b] of resampleBand(c.band, col)) {
      for (let r = rowOf(b.hi); r <= rowOf(b.lo); r++) put(r, j, BAND, i);
    }
  });
  clean.forEach((c, i) => {
    const samples = resample(c.pts, col);
    if (samples.length === 0) return;
    const first = samples[0]![0];
    const values = samples.map(([, v]) => v);
    const marker = SERIES_MARKERS[i % SERIES_MARKERS.length]!;
    const symbols: PlotConfig['symbols'] = o.theme.color ? undefined : [marker, '┤', '╶', '╴', marker, marker, marker, marker, marker, marker];
    const drawn = asciichart.plot(values, { ...cfg, ...(symbols ? { symbols } : {}) }).split('\n');
    // column 0 of asciichart's drawing is its axis: the first point is put by hand
    drawn.forEach((line, r) => {
      const chars = [...line];
      for (let k = 1; k < values.length; k++) {
        const ch = chars[PLOT_GUTTER - 1 + k];
        if (ch && ch !== ' ') put(r, first + k, ch, i);
      }
    });
    put(rowOf(values[0]!), first, symbols ? marker : first === 0 ? '┼' : '╶', i);
  });

  // one SGR run per stretch of one series' cells
  const lines = base.map((cells, r) => {
    let out = '';
    for (let k = 0; k < cells.length; ) {
      const who = owner[r]![k]!;
      let e = k + 1;
      while (e < cells.length && owner[r]![e] === who) e++;
      const text = cells.slice(k, e).join('');
      out += who < 0 ? text : o.theme.paint(text, SERIES_COLORS[who % SERIES_COLORS.length]!);
      k = e;
    }
    return out.replace(/\s+$/, '');
  });
  const fx = o.formatX ?? ((x: number) => formatNumber(x, 8));
  const left = fx(xMin);
  const right = fx(xMax);
  const axisLine = ' '.repeat(PLOT_GUTTER - 1) + left + ' '.repeat(Math.max(1, plotW + 1 - left.length - right.length)) + right;
  return { lines: [...lines, axisLine], notFinite, notPositive };
}

/** Points by column: the mean of those in a column, and straight lines across empty columns. */
function resample(pts: readonly PlotPoint[], col: (x: number) => number): [number, number][] {
  const byCol = new Map<number, { sum: number; n: number }>();
  for (const p of pts) {
    const j = col(p.x);
    const b = byCol.get(j) ?? { sum: 0, n: 0 };
    b.sum += p.y;
    b.n++;
    byCol.set(j, b);
  }
  const known = [...byCol.entries()].sort((a, b) => a[0] - b[0]).map(([j, b]): [number, number] => [j, b.sum / b.n]);
  const out: [number, number][] = [];
  for (let i = 0; i < known.length; i++) {
    const [j, v] = known[i]!;
    out.push([j, v]);
    const next = known[i + 1];
    if (!next) break;
    for (let k = j + 1; k < next[0]; k++) out.push([k, v + ((next[1] - v) * (k - j)) / (next[0] - j)]);
  }
  return out;
}

function resampleBand(band: readonly { x: number; lo: number; hi: number }[], col: (x: number) => number): Map<number, { lo: number; hi: number }> {
  const lo = resample(band.map((b) => ({ x: b.x, y: b.lo })), col);
  const hi = new Map(resample(band.map((b) => ({ x: b.x, y: b.hi })), col));
  return new Map(lo.map(([j, l]) => [j, { lo: l, hi: hi.get(j) ?? l }]));
}

/** What was left out, in words (empty when nothing was). */
export function skippedText(p: Pick<Plot, 'notFinite' | 'notPositive'>): string {
  return [
    p.notFinite ? `${p.notFinite} NaN/inf skipped` : '',
    p.notPositive ? `${p.notPositive} ≤ 0 skipped (log scale)` : '',
  ].filter(Boolean).join(', ');
}

/** Seconds as x: `0s`, `95s`, `12m`, `3.5h`. */
export function formatSeconds(s: number): string {
  if (s < 120) return `${Math.round(s)}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${formatNumber(s / 3600, 4)}h`;
}
