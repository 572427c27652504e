// The home's saved views (store/ui-views.ts): the last view put back once at start, then kept
// whenever sort, filter, status, columns or tree/flat change (by the writer dashboard only).
import { useEffect, useMemo, useRef } from 'react';
import { ViewStore } from '../../store/ui-views.js';
import type { AppAction } from '../state/app.js';
import type { AppState } from '../state/core.js';
import { viewKey, viewOf } from '../state/saved-view.js';

export function useSavedViews(home: string, state: AppState, dispatch: (a: AppAction) => void): ViewStore {
  const store = useMemo(() => new ViewStore(home), [home]);
  const restored = useRef(false);
  useEffect(() => {
    const last = store.last();
    if (last) dispatch({ type: 'applyView', view: last });
    restored.current = true;
    return () => store.close();
  }, [store]);
  const view = viewOf(state);
  const key = viewKey(view);
  const saved = useRef(store.last() ? viewKey(store.last()!) : viewKey(view));
  useEffect(() => {
    if (!restored.current || key === saved.current) return;
    saved.current = key;
    store.save(view);
  }, [key]);
  return store;
}
