// The journey goal: an event within a window after entry; optionally the customer exits when he converts.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useI18n } from '../i18n/i18n';
import { useTRPC } from '../trpc';
import { Button } from '../ui/button';
import { Dialog } from '../ui/dialog';
import type { Condition } from '../../shared/conditions';
import { ConditionEditor } from '../canvas/condition-editor';

export interface Goal {
  event: string;
  where?: Condition;
  windowDays: number;
  exitOnConversion: boolean;
}

export function GoalDialog({
  journeyId,
  goal,
  open,
  onOpenChange,
}: {
  journeyId: string;
  goal: Goal | null;
  open: boolean;
  onOpenChange(open: boolean): void;
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [event, setEvent] = useState(goal?.event ?? 'Order Completed');
  const [windowDays, setWindowDays] = useState(goal?.windowDays ?? 7);
  const [exit, setExit] = useState(goal?.exitOnConversion ?? false);
  const [where, setWhere] = useState<Condition | undefined>(goal?.where);
  const save = useMutation(
    trpc.journeys.setGoal.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.journeys.get.queryKey({ id: journeyId }) });
        onOpenChange(false);
      },
    }),
  );
  const submit = (formEvent: FormEvent) => {
    formEvent.preventDefault();
    save.mutate({ id: journeyId, goal: { event, where, windowDays, exitOnConversion: exit } });
  };
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title={t('stats.goal')}>
      <form onSubmit={submit} className="form">
        <label className="field">
          <span>{t('stats.goalEvent')}</span>
          <input value={event} onChange={(e) => setEvent(e.target.value)} />
        </label>
        <ConditionEditor label={t('stats.goalFilter')} value={where} onChange={setWhere} optional />
        <label className="field">
          <span>{t('stats.goalWindow')}</span>
          <input
            type="number"
            min={1}
            max={365}
            value={windowDays}
            onChange={(e) => setWindowDays(Number(e.target.value))}
          />
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={exit} onChange={(e) => setExit(e.target.checked)} />{' '}
          {t('stats.goalExit')}
        </label>
        {save.error && (
          <p role="alert" className="error">
            {save.error.message}
          </p>
        )}
        <div className="form-actions">
          <Button type="submit" variant="primary">
            {t('stats.goalSave')}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
