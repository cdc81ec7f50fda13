// Publish: what changed since the live version, then publish (refused with the problems when invalid).
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { diffGraphs } from '../../shared/graph-diff';
import type { JourneyGraph } from '../../shared/graph';
import { useI18n } from '../i18n/i18n';
import { useTRPC } from '../trpc';
import { Button } from '../ui/button';
import { Dialog } from '../ui/dialog';
import { useEditor } from './editor-store';

export function PublishDialog({ journeyId, liveGraph, liveVersion, open, onOpenChange, beforePublish }: {
  journeyId: string; liveGraph: JourneyGraph | null; liveVersion: number | null; open: boolean; onOpenChange(open: boolean): void; beforePublish(): Promise<void>;
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toGraph = useEditor((state) => state.toGraph);
  const problems = useEditor((state) => state.inspection.problems);
  const publish = useMutation(trpc.journeys.publish.mutationOptions({
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: trpc.journeys.get.queryKey({ id: journeyId }) });
      onOpenChange(false);
    },
  }));
  const diff = open ? diffGraphs(liveGraph, toGraph()) : null;
  const serverProblems = (publish.error?.data as { problems?: Array<{ message: string }> } | undefined)?.problems;
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title={t('publish.title')}>
      {diff && (
        <div className="publish-diff">
          <p>{liveVersion ? t('publish.since', { version: liveVersion }) : t('publish.first')}</p>
          <ul>
            <li>{t('publish.added', { count: diff.added.length })}{diff.added.length ? `: ${diff.added.join(', ')}` : ''}</li>
            <li>{t('publish.changed', { count: diff.changed.length })}{diff.changed.length ? `: ${diff.changed.join(', ')}` : ''}</li>
            <li>{t('publish.removed', { count: diff.removed.length })}{diff.removed.length ? `: ${diff.removed.join(', ')}` : ''}</li>
            <li>{t('publish.connections', { added: diff.edgesAdded, removed: diff.edgesRemoved })}</li>
          </ul>
          <p className="muted">{t('publish.pinned')}</p>
        </div>
      )}
      {(serverProblems ?? (problems.length ? problems : null)) && (
        <div role="alert" className="error">
          <p>{t('publish.refused')}</p>
          <ul>{(serverProblems ?? problems).map((problem, index) => <li key={index}>{problem.message}</li>)}</ul>
        </div>
      )}
      <div className="form-actions">
        <Button onClick={() => onOpenChange(false)}>{t('journeys.create.cancel')}</Button>
        <Button variant="primary" disabled={publish.isPending} onClick={async () => { await beforePublish(); publish.mutate({ id: journeyId }); }}>{t('publish.confirm')}</Button>
      </div>
    </Dialog>
  );
}
