// Ink root of the dashboard: screen stack, global keys, dialogs and the status lines. Every key
// goes through the pure `appReducer`; effects it queues run here through the store/engine.
import { Box, Text, useApp, useInput, useStdin, useStdout } from 'ink';
import { useEffect, useMemo, useReducer, useRef, useState, useSyncExternalStore } from 'react';
import { layoutColumns, specCellText, widthKey } from './views/columns.js';
import { CompareScreen, OverlayPlot } from './views/CompareScreen.js';
import { DetailScreen } from './views/DetailScreen.js';
import { DialogBox, dialogHeight } from './views/DialogBox.js';
import { Footer } from './views/Footer.js';
import { HelpScreen } from './views/HelpScreen.js';
import { runInTerminal } from './engine/external.js';
import { ScalarCache } from './views/hooks/scalar-cache.js';
import { useRunsFeed, type FeedOptions } from './views/hooks/useRunsFeed.js';
import { useNotices } from './views/hooks/useNotices.js';
import { useSavedViews } from './views/hooks/useSavedViews.js';
import { useScreenContent } from './views/hooks/useScreenContent.js';
import { useTerminalSize, type Size } from './views/hooks/useTerminalSize.js';
import { splitInput } from './views/keymap.js';
import { LaunchScreen } from './views/LaunchScreen.js';
import { PagerScreen } from './views/PagerScreen.js';
import { RunsTable } from './views/RunsTable.js';
import { RUNS_CHROME, screenMetrics } from './views/layout.js';
import { MOUSE_OFF, MOUSE_ON, type MouseEvent } from './views/mouse.js';
import {
  appReducer, currentScreen, cursorRow, initialState, keymapFor, runsView, trashView, windowTop,
  type AppState, type KeyContext,
} from './views/state/app.js';
import type { ScrollMetrics } from './views/state/scroll.js';
import { differingFlags, labelText, specText } from './views/state/column-spec.js';
import { autoScalarColumns, type ScalarLookup } from './views/state/view.js';
import { makeTheme } from './views/theme.js';
import { TrashScreen } from './views/TrashScreen.js';

export interface AppProps {
  home: string;
  readonly: boolean;
  /** Launches from the form reuse a completed run with the same inputs (`grun ui --memo`). */
  memo?: boolean;
  /** Where `r` looks for operations (guild.yml, scripts). */
  projectDir: string;
  /** Fixed size (tests); otherwise the terminal's, redrawn on resize. */
  size?: Partial<Size>;
  env?: NodeJS.ProcessEnv;
  feed?: FeedOptions;
  /** Called once the first rows are on screen and when every run is loaded (benchmarks). */
  onLoaded?: (runs: number) => void;
  /** How long a status message stays (ms); an error twice as long. */
  messageMs?: number;
  /** Mouse reports read from the terminal ('mouse' events), where mouse reporting is on. */
  mouse?: MouseSource;
}

/** What emits the terminal's mouse reports (views/mouse-stdin.ts). */
export interface MouseSource {
  on(event: 'mouse', fn: (e: MouseEvent) => void): unknown;
  off(event: 'mouse', fn: (e: MouseEvent) => void): unknown;
}

const MESSAGE_MS = 4000;

/**
 * The effects' module, loaded with the first effect: it holds the engine's launcher, stop, edits
 * and compare (~100 modules), which the first table need not wait for. Effects start in order.
 */
let actions: Promise<typeof import('./views/hooks/actions.js')> | null = null;
const runEffect = async (...args: Parameters<typeof import('./views/hooks/actions.js').runEffect>): Promise<string | null> =>
  (await (actions ??= import('./views/hooks/actions.js'))).runEffect(...args);

/** The sort keys of the columns shown, left to right, each once (`#` sorts as `started`). */
const sortKeysOf = (columns: readonly { sortKey: string }[]): string[] => [...new Set(columns.map((c) => c.sortKey))];

/**
 * Ink reads both Backspace (0x7f) and Delete (`ESC [3~`) as `key.delete`: the raw input tells
 * them apart, so that Delete removes the character under a text cursor and Backspace the one before.
 */
function useForwardDelete(): { current: boolean } {
  const { internal_eventEmitter: events } = useStdin();
  const last = useRef(false);
  useEffect(() => {
    const onInput = (data: string) => {
      last.current = data === '\x1b[3~';
    };
    events?.on('input', onInput);
    return () => {
      events?.off('input', onInput);
    };
  }, [events]);
  return last;
}

const FOOTER_LINES = 2;

/** OSC 52: set the clipboard (`c`) to `text`; the terminal, or tmux with set-clipboard on, takes it. */
export const osc52 = (text: string): string => `\x1b]52;c;${Buffer.from(text).toString('base64')}\x07`;

function useScalarLookup(cache: ScalarCache): ScalarLookup {
  const version = useSyncExternalStore(
    (fn) => cache.subscribe(fn),
    () => cache.lookup().version,
  );
  return useMemo(() => cache.lookup(), [cache, version]);
}

/** Ticks once a second while a run is running (its time column moves). */
function useClock(active: boolean): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

export function App(props: AppProps) {
  const { exit } = useApp();
  const size = useTerminalSize(props.size);
  const theme = useMemo(() => makeTheme(props.env ?? process.env), [props.env]);
  const [state, dispatch] = useReducer(appReducer, props.readonly, initialState);
  const scalarCache = useMemo(() => new ScalarCache(), []);
  useEffect(() => () => scalarCache.close(), [scalarCache]);
  const scalars = useScalarLookup(scalarCache);
  const feed = useRunsFeed(props.home, dispatch, scalarCache, props.feed);
  const views = useSavedViews(props.home, state, dispatch);
  const objective = state.sort.key.startsWith('scalar:') ? state.sort.key.replace(/^scalar:(?:(?:last|min|max|first|avg) )?/, '') : 'loss';
  useNotices(props.home, state.runs, state.loading === null, scalars, objective, dispatch);
  const stateRef = useRef<AppState>(state);
  stateRef.current = state;

  const screen = currentScreen(state);
  const rowsAvail = Math.max(4, size.rows - 1); // a frame of `rows` lines makes Ink clear the screen every frame
  const dlgH = state.dialog ? dialogHeight(state.dialog, rowsAvail - FOOTER_LINES - 3) : 0;
  const bodyH = rowsAvail - FOOTER_LINES - dlgH;

  // The runs table (computed even under other screens: the reducer needs the same view).
  const view = runsView(state, scalars);
  const tableH = Math.max(1, bodyH - RUNS_CHROME);
  const cur = cursorRow(state.table, view);
  const top = windowTop(state.table.top, cur, tableH, view.rows.length);
  const visible = view.rows.slice(top, top + tableH);
  const extras = state.columns ?? autoScalarColumns(visible, scalars);
  // the label shows the flags that differ among the runs listed
  const differing = useMemo(() => differingFlags(view.rows.map((r) => r.run)), [view.rows]);
  const labelWidth = Math.max(0, ...visible.map((r) => labelText(r.run, differing).length));
  const layout = useMemo(
    () => layoutColumns(size.columns, visible, extras, state.runs.length, { scroll: state.hscroll, labelWidth }),
    // what the widths depend on: operation, executor, label and flag texts of the rows shown
    [size.columns, visible.map(widthKey).join(), visible.map((r) => extras.map((c) => specCellText(c, r.run)).join('\0')).join('\n'), extras.map(specText).join(), state.runs.length, state.hscroll, labelWidth],
  );
  const columns = layout.columns;
  const byId = useMemo(() => new Map(state.runs.map((r) => [r.id, r])), [state.runs]);
  const content = useScreenContent(screen, byId, (r) => scalars.get(r.id) ?? [], size.columns, state.readonly);
  const trashH = Math.max(1, bodyH - 2);

  // Scalars for the rows on screen, and for every run when a sort or filter needs them.
  useEffect(() => {
    const needAll = view.expression || state.sort.key.startsWith('scalar:');
    scalarCache.request(needAll ? state.runs : visible.map((r) => r.run));
    if (screen.kind === 'compare') scalarCache.request(screen.ids.flatMap((id) => byId.get(id) ?? []));
  });

  // The layout of this frame, read when a key arrives: what a page is and how far a screen scrolls.
  const metrics: ScrollMetrics =
    screen.kind === 'runs'
      ? { count: view.rows.length, pageSize: tableH }
      : screen.kind === 'trash'
        ? { count: 0, pageSize: trashH }
        : screenMetrics(screen, content, bodyH);
  const keyContext: KeyContext = {
    scalars, metrics, sortKeys: sortKeysOf(columns), columns: { extras, maxScroll: layout.maxScroll },
  };
  const ctxRef = useRef(keyContext);
  ctxRef.current = keyContext;

  const { isRawModeSupported, setRawMode } = useStdin();
  const { stdout } = useStdout();
  const forwardDelete = useForwardDelete();
  useInput(
    (input, key) => {
      // Backspace and Delete as two keys (see useForwardDelete)
      const k0 = key.delete && !forwardDelete.current ? { ...key, delete: false, backspace: true } : key;
      for (const [ch, k] of splitInput(input, k0)) dispatch({ type: 'key', input: ch, key: k, ctx: ctxRef.current });
    },
    { isActive: isRawModeSupported === true },
  );
  useEffect(() => {
    const source = props.mouse;
    if (!source) return;
    const onMouse = (event: MouseEvent) => dispatch({ type: 'mouse', event, ctx: ctxRef.current });
    source.on('mouse', onMouse);
    return () => {
      source.off('mouse', onMouse);
    };
  }, [props.mouse]);

  // A status message goes after a while (the key hints stay on their own line meanwhile).
  const messageMs = props.messageMs ?? MESSAGE_MS;
  useEffect(() => {
    const m = state.message;
    if (!m) return;
    const t = setTimeout(() => dispatch({ type: 'expireMessage', seq: m.seq }), m.error ? 2 * messageMs : messageMs);
    return () => clearTimeout(t);
  }, [state.message?.seq]);

  // Effects queued by the reducer.
  const done = useRef(0);
  useEffect(() => {
    const todo = state.effects.filter((e) => e.seq > done.current);
    if (todo.length === 0) return;
    done.current = todo[todo.length - 1]!.seq;
    dispatch({ type: 'effectsDone', upTo: done.current });
    for (const { effect } of todo) {
      runEffect(effect, {
        home: props.home,
        projectDir: props.projectDir,
        memo: !!props.memo,
        launchPatch: (patch) => dispatch({ type: 'launchPatch', patch }),
        launched: (id) => dispatch({ type: 'launched', id }),
        found: (id, query, line) => dispatch({ type: 'found', id, query, line }),
        views,
        copy: (text) => stdout.write(osc52(text)),
        // the terminal as the program expects it: main screen, cooked mode; then the dashboard again
        external: (argv, cwd) => {
          const mouse = props.mouse ? [MOUSE_OFF, MOUSE_ON] : ['', ''];
          stdout.write(`${mouse[0]}\x1b[?1049l\x1b[?25h`);
          setRawMode(false);
          const failed = runInTerminal(argv, cwd);
          setRawMode(true);
          stdout.write(`\x1b[?1049h\x1b[H\x1b[2J${mouse[1]}`);
          return failed ?? `back from ${argv[0]}`;
        },
        applyView: (view, name) => dispatch({ type: 'applyView', view, name }),
        runs: () => stateRef.current.runs,
        trash: () => stateRef.current.trash,
        deleted: (ids) => {
          dispatch({ type: 'deleted', ids });
          feed.refresh(ids, true); // the trash may not have existed (and been watched) before
        },
        reload: () => feed.reload(),
        refresh: (ids) => feed.refresh(ids),
        quit: () => exit(),
      })
        .then((text) => text && dispatch({ type: 'message', text }))
        .catch((e: unknown) => dispatch({ type: 'message', text: e instanceof Error ? e.message : String(e), error: true }));
    }
  }, [state.effects]);

  const loadedOnce = useRef(false);
  useEffect(() => {
    if (state.loading === null && !loadedOnce.current) {
      loadedOnce.current = true;
      props.onLoaded?.(state.runs.length);
    }
  }, [state.loading]);

  const anyRunning = state.runs.some((r) => r.status === 'running');
  const now = useClock(anyRunning);

  let body: React.ReactNode;
  switch (screen.kind) {
    case 'runs':
      body = (
        <Box flexDirection="column" height={bodyH}>
          <Text wrap="truncate-end">
            <Text bold color={theme.c('cyan')}>grun</Text>
            {`  ${props.home}`}
            {state.filter ? `  filter: ${state.filter}` : ''}
            {state.status !== 'all' ? `  status: ${state.status === 'waiting' ? 'pending/staged' : state.status}` : ''}
            {`  sort: ${state.sort.key.replace(/^scalar:/, '')} ${state.sort.desc ? '▼' : '▲'}`}
            {state.flat ? '  flat' : ''}
          </Text>
          <RunsTable rows={view.rows} top={top} cursor={cur} height={tableH} columns={columns} marks={state.table.marks} scalars={scalars} sort={state.sort} theme={theme} now={now} empty={state.loading ? `loading runs… ${state.loading.loaded} read so far` : undefined} differing={differing} hidden={{ left: layout.scroll, right: layout.right }} />
        </Box>
      );
      break;
    case 'detail':
      body = <DetailScreen screen={screen} run={byId.get(screen.id)} content={content} width={size.columns} height={bodyH} theme={theme} />;
      break;
    case 'pager':
      body = <PagerScreen screen={screen} run={byId.get(screen.id)} content={content} width={size.columns} height={bodyH} theme={theme} />;
      break;
    case 'compare':
      body = content.kind === 'overlay' ? (
        <OverlayPlot screen={screen} keys={content.keys} at={content.at} series={content.series} width={size.columns} height={bodyH} theme={theme} />
      ) : (
        <CompareScreen
          screen={screen}
          count={screen.ids.filter((id) => byId.has(id)).length}
          rows={content.kind === 'compare' ? content.rows : []}
          heads={content.kind === 'compare' ? content.heads : []}
          colW={content.kind === 'compare' ? content.colW : 8}
          height={bodyH}
          theme={theme}
        />
      );
      break;
    case 'trash':
      body = <TrashScreen view={trashView(state)} table={state.trashTable} width={size.columns} height={bodyH} theme={theme} />;
      break;
    case 'help':
      body = <HelpScreen title={`keys: ${screen.of}${state.readonly ? ' (read-only)' : ''}`} lines={content.kind === 'lines' ? content.lines : []} scroll={screen.scroll} height={bodyH} />;
      break;
    case 'launch':
      body = <LaunchScreen screen={screen} height={bodyH} theme={theme} />;
      break;
  }

  const { loading } = state;
  const counts = [
    // the newest runs, before the full check (a warm start): how many there are in all
    loading?.total !== undefined && state.runs.length < loading.total ? `${view.matched}/${state.runs.length} newest of ${loading.total} runs` : `${view.matched}/${state.runs.length} runs`,
    state.table.marks.size > 0 ? `${state.table.marks.size} marked` : '',
    state.filter || state.draft !== null ? 'FILTER' : '',
    state.readonly ? 'READONLY' : '',
    loading ? (loading.total !== undefined ? 'checking all…' : `loading… ${loading.loaded}`) : '',
    scalarCache.pending > 0 ? `scalars… ${scalarCache.pending}` : '',
  ].filter(Boolean);
  return (
    <Box flexDirection="column" width={size.columns}>
      {body}
      {state.dialog ? <DialogBox dialog={state.dialog} chosen={extras} width={Math.min(size.columns, 100)} maxLines={rowsAvail - FOOTER_LINES - 3} theme={theme} /> : null}
      <Footer
        left={counts.join(' · ')}
        input={screen.kind === 'runs' ? state.draft : null}
        inputError={view.filterError}
        message={state.message}
        keymap={keymapFor(screen.kind)}
        readonly={state.readonly}
        width={size.columns}
        theme={theme}
      />
    </Box>
  );
}
