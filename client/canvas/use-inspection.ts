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
    // On opening, the journey came with its inspection; a draft restored from a local backup is
    // asked about at once; later changes wait for typing to pause.
    const first = !asked.current;
    asked.current = true;
    if (first && Object.keys(useEditor.getState().inspection.nodes).length > 0) return;
    const delay = first ? 0 : 200;
    const timer = setTimeout(async () => {
      try {
        const inspection = await client.journeys.inspect.query({ graph: useEditor.getState().toGraph() });
        if (!cancelled) useEditor.getState().setInspection(inspection);
      } catch {
        /* the next change asks again */
      }
    }, delay);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [revision, active, client]);
}
