// "New journey": asks for a name, creates the journey and opens it.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useI18n } from '../i18n/i18n';
import { navigate } from '../navigation';
import { useTRPC } from '../trpc';
import { Button } from '../ui/button';
import { Dialog } from '../ui/dialog';
import { journeyTemplates, localizedTemplate } from '../../shared/templates';

export function NewJourneyDialog({
  open,
  onOpenChange,
}: {
  open: boolean;
  onOpenChange(open: boolean): void;
}) {
  const { t, locale } = useI18n();
  const templates = journeyTemplates.map((candidate) => localizedTemplate(candidate, locale));
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [template, setTemplate] = useState('');
  const create = useMutation(
    trpc.journeys.create.mutationOptions({
      onSuccess: async (journey) => {
        await queryClient.invalidateQueries({ queryKey: trpc.journeys.list.queryKey() });
        onOpenChange(false);
        setName('');
        navigate(`/journeys/${journey.id}`);
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name, draft: templates.find((candidate) => candidate.id === template)?.graph });
  };
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title={t('journeys.create.title')}>
      <form onSubmit={submit} className="form">
        <label className="field">
          <span>{t('journeys.create.name')}</span>
          <input
            autoFocus
            value={name}
            onChange={(event) => setName(event.target.value)}
            maxLength={200}
            required
          />
        </label>
        <label className="field">
          <span>{t('journeys.create.template')}</span>
          <select
            value={template}
            onChange={(event) => {
              setTemplate(event.target.value);
              const chosen = templates.find((candidate) => candidate.id === event.target.value);
              if (chosen && !name.trim()) setName(chosen.name);
            }}
          >
            <option value="">{t('journeys.create.blank')}</option>
            {templates.map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                {candidate.name} — {candidate.description}
              </option>
            ))}
          </select>
        </label>
        {create.error && (
          <p role="alert" className="error">
            {create.error.message}
          </p>
        )}
        <div className="form-actions">
          <Button onClick={() => onOpenChange(false)}>{t('journeys.create.cancel')}</Button>
          <Button type="submit" variant="primary" disabled={create.isPending || name.trim() === ''}>
            {t('journeys.create.submit')}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
