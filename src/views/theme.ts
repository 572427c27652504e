// Colours and glyphs. Status is always a glyph plus a word, so it reads without colour;
// NO_COLOR (set and non-empty, per no-color.org) drops every colour, and the selection bar
// stays visible by inverse video, which is not a colour.
import type { StepState } from '../store/step-records.js';
import type { RunStatus } from '../store/types.js';

export interface Theme {
  color: boolean;
  /** A colour name for Ink's `color` prop, or undefined when colours are off. */
  c(name: string): string | undefined;
  /** `text` wrapped in the colour's SGR codes (plain when colours are off): one Ink node, not two. */
  paint(text: string, name: string): string;
}

const SGR: Record<string, number> = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36 };

export function makeTheme(env: NodeJS.ProcessEnv = process.env): Theme {
  const color = !(env.NO_COLOR !== undefined && env.NO_COLOR !== '') && env.TERM !== 'dumb';
  return {
    color,
    c: (name) => (color ? name : undefined),
    paint: (text, name) => (color && SGR[name] && text ? `\x1b[${SGR[name]}m${text}\x1b[39m` : text),
  };
}

export const STATUS_GLYPH: Record<RunStatus, string> = {
  running: '▶',
  completed: '✔',
  error: '✖',
  terminated: '■',
  pending: '…',
  staged: '◆',
};

export const STATUS_COLOR: Record<RunStatus, string> = {
  running: 'cyan',
  completed: 'green',
  error: 'red',
  terminated: 'yellow',
  pending: 'magenta',
  staged: 'blue',
};

/** A pipeline step's state under its pipeline: a memo hit (cached) and a step that never ran (cancelled) read apart from a run's status. */
export const STEP_GLYPH: Record<StepState, string> = {
  waiting: '…',
  running: '▶',
  completed: '✔',
  cached: '↺',
  failed: '✖',
  stopped: '■',
  cancelled: '⊘',
};

export const STEP_COLOR: Record<StepState, string> = {
  waiting: 'magenta',
  running: 'cyan',
  completed: 'green',
  cached: 'blue',
  failed: 'red',
  stopped: 'yellow',
  cancelled: 'yellow',
};

/** A trial a search pruned (it is `terminated`, stopped on purpose): in place of the status glyph. */
export const PRUNED_GLYPH = '✂';
export const MARK_GLYPH = '●';
export const GUILD_MARKED_GLYPH = '★';
