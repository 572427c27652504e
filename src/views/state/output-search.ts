// Search in a run's output (the detail's output tab and attach): `/` asks for the text, `n`/`N`
// go to the next and previous line holding it, wrapping around, over the whole output on disk
// (the App's effect reads it: store/output.ts findOutputLine). Pure.
import { queue, replaceTop, say, top, type AppState, type KeyContext } from './core.js';
import { textInput } from './text-input.js';

/** What an output view remembers of a search: the text, and the line of the match shown. */
export interface OutputSearch {
  query: string;
  line: number | null;
}

interface Searchable {
  id: string;
  scroll: number;
  follow: boolean;
  search: OutputSearch | null;
}

/** The first line on screen: the last page while following. */
const shownFrom = (v: Searchable, ctx: KeyContext): number =>
  v.follow ? Math.max(0, ctx.metrics.count - ctx.metrics.pageSize) : v.scroll;

export function openSearch(s: AppState, v: Searchable, ctx: KeyContext): AppState {
  return {
    ...s,
    dialog: { kind: 'prompt', purpose: 'search', title: 'Search the output for', input: textInput(v.search?.query ?? ''), ids: [v.id], from: shownFrom(v, ctx) - 1 },
  };
}

export function searchAgain(s: AppState, v: Searchable, dir: 1 | -1, ctx: KeyContext): AppState {
  if (!v.search) return say(s, 'no search yet: / searches the output');
  return queue(s, { kind: 'searchOutput', id: v.id, query: v.search.query, from: v.search.line ?? shownFrom(v, ctx), dir });
}

/** The effect's answer: the match's line on top of the view (or a message that there is none). */
export function found(s: AppState, id: string, query: string, line: number | null): AppState {
  const v = top(s);
  const here = (v.kind === 'detail' && v.tab === 'output') || (v.kind === 'pager' && v.what === 'attach');
  if (!here || v.id !== id) return s;
  const next = replaceTop(s, { ...v, search: { query, line }, ...(line === null ? {} : { scroll: Math.max(0, line - 2), follow: false }) });
  return line === null ? say(next, `no line holds "${query}"`, true) : say(next, `"${query}" on line ${line + 1}`);
}
