// Autosave of the draft: every change is kept in localStorage at once (nothing lost on a closed
// tab) and saved to the server shortly after. A save based on an older revision than the server's
// (another tab saved) is refused by the server, and the editor says so instead of overwriting.
import { useTRPCClient } from '../trpc';
import { TRPCClientError } from '@trpc/client';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { JourneyGraph } from '../../shared/graph';
import { useEditor } from './editor-store';

export type SaveStatus = 'saved' | 'unsaved' | 'saving' | 'conflict' | 'error';

const backupKey = (journeyId: string) => `waymark.draft.${journeyId}`;

interface Backup {
  base: number;
  graph: JourneyGraph;
}

/** The unsaved edits of an earlier visit, when they were based on the revision the server still has. */
export function readBackup(journeyId: string, serverRevision: number): JourneyGraph | null {
  try {
    const backup = JSON.parse(localStorage.getItem(backupKey(journeyId)) ?? 'null') as Backup | null;
    if (backup && backup.base === serverRevision) return backup.graph;
  } catch {
    /* an unreadable backup is ignored */
  }
  localStorage.removeItem(backupKey(journeyId));
  return null;
}

export function useAutosave(journeyId: string, loadedRevision: number | null) {
  const client = useTRPCClient();
  const revision = useEditor((state) => state.revision);
  const base = useRef<number | null>(null);
  const saving = useRef<Promise<void> | null>(null);
  const savedRevision = useRef(0);
  const [status, setStatus] = useState<SaveStatus>('saved');

  useEffect(() => {
    if (loadedRevision !== null && base.current === null) base.current = loadedRevision;
  }, [loadedRevision]);

  const save = useCallback(async (): Promise<void> => {
    if (saving.current) await saving.current;
    const current = useEditor.getState().revision;
    if (base.current === null || current === savedRevision.current) return;
    const graph = useEditor.getState().toGraph();
    setStatus('saving');
    saving.current = (async () => {
      try {
        const result = await client.journeys.updateDraft.mutate({
          id: journeyId,
          draft: graph,
          baseRevision: base.current!,
        });
        base.current = result.draftRevision;
        savedRevision.current = current;
        if (useEditor.getState().revision === current) {
          localStorage.removeItem(backupKey(journeyId));
          setStatus('saved');
        } else {
          setStatus('unsaved');
        }
      } catch (error) {
        setStatus(error instanceof TRPCClientError && error.data?.code === 'CONFLICT' ? 'conflict' : 'error');
      } finally {
        saving.current = null;
      }
    })();
    await saving.current;
  }, [client, journeyId]);

  useEffect(() => {
    if (revision === 0 || base.current === null) return;
    localStorage.setItem(
      backupKey(journeyId),
      JSON.stringify({ base: base.current, graph: useEditor.getState().toGraph() } satisfies Backup),
    );
    setStatus((previous) => (previous === 'conflict' ? previous : 'unsaved'));
    const timer = setTimeout(() => void save(), 600);
    return () => clearTimeout(timer);
  }, [revision, journeyId, save]);

  return { status, flush: save };
}
