// Asks the server about the graph shortly after each change: problems, summaries, ports.
import { useTRPCClient } from '../trpc';
import { useEffect } from 'react';
import { useEditor } from './editor-store';

export function useInspection(active: boolean) {
  const client = useTRPCClient();
  const revision = useEditor((state) => state.revision);
  useEffect(() => {
    if (!active) return;
    let cancelled = false;
    const timer = setTimeout(async () => {
      try {
        const inspection = await client.journeys.inspect.query({ graph: useEditor.getState().toGraph() });
        if (!cancelled) useEditor.getState().setInspection(inspection);
      } catch { /* the next change asks again */ }
    }, 200);
    return () => { cancelled = true; clearTimeout(timer); };
  }, [revision, active, client]);
}
