// Asks the server about the graph shortly after each change: problems, summaries, ports.
import { useTRPCClient } from '../trpc';
import { useEffect, useRef } from 'react';
import { useEditor } from './editor-store';

export function useInspection(active: boolean) {
  const client = useTRPCClient();
  const revision = useEditor((state) => state.revision);
  const asked = useRef(false);
  useEffect(() => {
    if (!active) return;
    let cancelled = false;
    // The first answer is wanted at once (a journey restored from a local backup); later ones wait for typing to pause.
    const delay = asked.current ? 200 : 0;
    asked.current = true;
    const timer = setTimeout(async () => {
      try {
        const inspection = await client.journeys.inspect.query({ graph: useEditor.getState().toGraph() });
        if (!cancelled) useEditor.getState().setInspection(inspection);
      } catch { /* the next change asks again */ }
    }, delay);
    return () => { cancelled = true; clearTimeout(timer); };
  }, [revision, active, client]);
}
