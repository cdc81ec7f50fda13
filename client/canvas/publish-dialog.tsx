// Publish: what changed since the live version, what happens to the customers inside it (stay, or
// move node by node — with a preview of who goes where), then publish in one step.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { diffGraphs } from '../../shared/graph-diff';
import type { JourneyGraph } from '../../shared/graph';
import { useI18n } from '../i18n/i18n';
import { useTRPC } from '../trpc';
import { Button } from '../ui/button';
import { Dialog } from '../ui/dialog';
import { useEditor } from './editor-store';

const exitTarget = '#exit';
const stayTarget = '#stay';
const unchosen = '#choose';
type Moves = Record<string, { to: string; retime: boolean }>;

export function PublishDialog({
  journeyId,
  liveGraph,
  liveVersion,
  open,
  onOpenChange,
  beforePublish,
}: {
  journeyId: string;
  liveGraph: JourneyGraph | null;
  liveVersion: number | null;
  open: boolean;
  onOpenChange(open: boolean): void;
  beforePublish(): Promise<void>;
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toGraph = useEditor((state) => state.toGraph);
  const problems = useEditor((state) => state.inspection.problems);
  const [moving, setMoving] = useState(false);
  const [moves, setMoves] = useState<Moves | null>(null);
  const graph = open ? toGraph() : null;
  const preview = useQuery({
    ...trpc.journeys.migrationPreview.queryOptions({
      id: journeyId,
      graph,
      moves: moving && moves ? moves : undefined,
    }),
    enabled: open && liveVersion !== null && problems.length === 0,
    placeholderData: keepPreviousData,
  });
  const publish = useMutation(
    trpc.journeys.publish.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.journeys.get.queryKey({ id: journeyId }) });
        await queryClient.invalidateQueries({ queryKey: trpc.stats.journey.queryKey() });
        setMoving(false);
        setMoves(null);
        onOpenChange(false);
      },
    }),
  );
  const diff = open && graph ? diffGraphs(liveGraph, graph) : null;
  const serverProblems = (publish.error?.data as { problems?: Array<{ message: string }> } | undefined)
    ?.problems;
  const inside = preview.data?.totals.customers ?? 0;

  const startMoving = () => {
    const initial: Moves = {};
    for (const node of preview.data?.nodes ?? [])
      initial[node.nodeId] = { to: node.defaultTarget ?? unchosen, retime: node.retimable };
    setMoves(initial);
    setMoving(true);
  };
  const setMove = (nodeId: string, change: Partial<Moves[string]>) =>
    setMoves((current) => ({
      ...current,
      [nodeId]: { ...(current?.[nodeId] ?? { to: unchosen, retime: false }), ...change },
    }));
  const totals = preview.data?.totals;
  const blocked = moving && (totals?.needTarget ?? 0) > 0;

  return (
    <Dialog open={open} onOpenChange={onOpenChange} title={t('publish.title')}>
      {diff && (
        <div className="publish-diff">
          <p>{liveVersion ? t('publish.since', { version: liveVersion }) : t('publish.first')}</p>
          <ul>
            <li>
              {t('publish.added', { count: diff.added.length })}
              {diff.added.length ? `: ${diff.added.join(', ')}` : ''}
            </li>
            <li>
              {t('publish.changed', { count: diff.changed.length })}
              {diff.changed.length ? `: ${diff.changed.join(', ')}` : ''}
            </li>
            <li>
              {t('publish.removed', { count: diff.removed.length })}
              {diff.removed.length ? `: ${diff.removed.join(', ')}` : ''}
            </li>
            <li>{t('publish.connections', { added: diff.edgesAdded, removed: diff.edgesRemoved })}</li>
          </ul>
        </div>
      )}
      {liveVersion !== null && preview.data && (
        <section className="migration" aria-label={t('migration.title')}>
          {inside === 0 ? (
            <p className="muted">{t('publish.pinned')}</p>
          ) : (
            <>
              <p>
                <strong>{t('migration.inside', { count: inside, version: liveVersion })}</strong>
              </p>
              <label className="choice">
                <input type="radio" name="migration" checked={!moving} onChange={() => setMoving(false)} />{' '}
                {t('migration.stay', { version: liveVersion })}
              </label>
              <label className="choice">
                <input type="radio" name="migration" checked={moving} onChange={startMoving} />{' '}
                {t('migration.move')}
              </label>
              {moving && (
                <>
                  <table className="migration-table">
                    <thead>
                      <tr>
                        <th>{t('migration.from')}</th>
                        <th>{t('migration.customers')}</th>
                        <th>{t('migration.to')}</th>
                        <th>{t('migration.dueNow')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {preview.data.nodes.map((node) => (
                        <tr key={node.nodeId}>
                          <td>
                            {node.label}
                            {node.defaultTarget === null && (
                              <span className="badge-removed"> {t('migration.removed')}</span>
                            )}
                          </td>
                          <td>{node.customers}</td>
                          <td>
                            <select
                              aria-label={t('migration.targetFor', { node: node.label })}
                              value={moves?.[node.nodeId]?.to ?? unchosen}
                              onChange={(event) => setMove(node.nodeId, { to: event.target.value })}
                            >
                              {(moves?.[node.nodeId]?.to ?? unchosen) === unchosen && (
                                <option value={unchosen}>{t('migration.choose')}</option>
                              )}
                              {preview.data.targets.map((target) => (
                                <option key={target.nodeId} value={target.nodeId}>
                                  {target.label}
                                </option>
                              ))}
                              <option value={exitTarget}>{t('migration.exit')}</option>
                              <option value={stayTarget}>
                                {t('migration.stayHere', { version: liveVersion })}
                              </option>
                            </select>
                            {node.retimable && (
                              <label className="choice small">
                                <input
                                  type="checkbox"
                                  checked={moves?.[node.nodeId]?.retime ?? false}
                                  onChange={(event) => setMove(node.nodeId, { retime: event.target.checked })}
                                />{' '}
                                {t('migration.retime')}
                              </label>
                            )}
                            {node.skipped.length > 0 && (
                              <div className="muted small">
                                {t('migration.skipped', {
                                  messages: node.skipped.map((skipped) => skipped.label).join(', '),
                                })}
                              </div>
                            )}
                          </td>
                          <td>{node.dueNow}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  {totals && (
                    <p role="status" className="migration-summary">
                      {t('migration.summary', {
                        moving: totals.moving,
                        exiting: totals.exiting,
                        staying: totals.staying,
                        dueNow: totals.dueNow,
                      })}
                      {totals.missingMessages > 0 && (
                        <> {t('migration.missing', { count: totals.missingMessages })}</>
                      )}
                    </p>
                  )}
                  {blocked && (
                    <p role="alert" className="error">
                      {t('migration.needTarget', { count: totals!.needTarget })}
                    </p>
                  )}
                </>
              )}
            </>
          )}
        </section>
      )}
      {(serverProblems ?? (problems.length ? problems : null)) && (
        <div role="alert" className="error">
          <p>{t('publish.refused')}</p>
          <ul>
            {(serverProblems ?? problems).map((problem, index) => (
              <li key={index}>{problem.message}</li>
            ))}
          </ul>
        </div>
      )}
      {publish.error && !serverProblems && (
        <p role="alert" className="error">
          {publish.error.message}
        </p>
      )}
      <div className="form-actions">
        <Button onClick={() => onOpenChange(false)}>{t('journeys.create.cancel')}</Button>
        <Button
          variant="primary"
          disabled={publish.isPending || blocked}
          onClick={async () => {
            await beforePublish();
            publish.mutate({ id: journeyId, migration: moving && moves ? { moves } : undefined });
          }}
        >
          {moving ? t('migration.confirm', { count: totals?.moving ?? 0 }) : t('publish.confirm')}
        </Button>
      </div>
    </Dialog>
  );
}
