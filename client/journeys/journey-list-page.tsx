// The journey list: name, status, entries, conversion rate, last edited; search; create.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useDeferredValue, useRef, useState, type FormEvent } from 'react';
import { Dialog } from '../ui/dialog';
import { useI18n } from '../i18n/i18n';
import { navigate } from '../navigation';
import { useTRPC } from '../trpc';
import { Button } from '../ui/button';
import { NewJourneyDialog } from './new-journey-dialog';

export function JourneyListPage() {
  const { t, formatNumber, formatDate } = useI18n();
  const trpc = useTRPC();
  const [search, setSearch] = useState('');
  const deferredSearch = useDeferredValue(search);
  const [creating, setCreating] = useState(false);
  const journeys = useQuery(trpc.journeys.list.queryOptions({ search: deferredSearch || undefined }));
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.journeys.list.queryKey() });
  const duplicate = useMutation(trpc.journeys.duplicate.mutationOptions({ onSuccess: () => void refresh() }));
  const archive = useMutation(trpc.journeys.setStatus.mutationOptions({ onSuccess: () => void refresh() }));
  const importJourney = useMutation(
    trpc.journeys.import.mutationOptions({ onSuccess: (journey) => navigate(`/journeys/${journey.id}`) }),
  );
  const fileInput = useRef<HTMLInputElement>(null);
  const [renaming, setRenaming] = useState<{ id: string; name: string } | null>(null);
  const onImportFile = async (file: File | undefined) => {
    if (!file) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(await file.text());
    } catch {
      parsed = null;
    }
    importJourney.mutate({ file: parsed });
  };

  const empty = journeys.data && journeys.data.length === 0 && !deferredSearch;
  return (
    <main className="page">
      <header className="page-header">
        <h1>{t('journeys.title')}</h1>
        <div className="header-actions">
          <Button onClick={() => fileInput.current?.click()}>{t('journeys.import')}</Button>
          <input
            ref={fileInput}
            type="file"
            accept=".json,application/json"
            hidden
            aria-label={t('journeys.import')}
            onChange={(event) => {
              void onImportFile(event.target.files?.[0]);
              event.target.value = '';
            }}
          />
          {!empty && (
            <Button variant="primary" onClick={() => setCreating(true)}>
              {t('journeys.new')}
            </Button>
          )}
        </div>
      </header>
      {importJourney.error && (
        <p role="alert" className="error">
          {t('journeys.import.failed', { message: importJourney.error.message })}
        </p>
      )}
      {journeys.isPending && <p>{t('journeys.loading')}</p>}
      {journeys.error && (
        <p role="alert" className="error">
          {t('journeys.error', { message: journeys.error.message })}
        </p>
      )}
      {empty && (
        <section className="empty-state">
          <h2>{t('journeys.empty.title')}</h2>
          <p>{t('journeys.empty.body')}</p>
          <Button variant="primary" onClick={() => setCreating(true)}>
            {t('journeys.new')}
          </Button>
        </section>
      )}
      {journeys.data && !empty && (
        <>
          <input
            type="search"
            className="search"
            aria-label={t('journeys.search')}
            placeholder={t('journeys.search')}
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
          <table className="table">
            <thead>
              <tr>
                <th>{t('journeys.column.name')}</th>
                <th>{t('journeys.column.status')}</th>
                <th className="number">{t('journeys.column.entries')}</th>
                <th className="number">{t('journeys.column.conversion')}</th>
                <th>{t('journeys.column.edited')}</th>
                <th>{t('journeys.column.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {journeys.data.map((journey) => (
                <tr key={journey.id}>
                  <td>
                    <a
                      href={`/journeys/${journey.id}`}
                      onClick={(event) => {
                        event.preventDefault();
                        navigate(`/journeys/${journey.id}`);
                      }}
                    >
                      {journey.name}
                    </a>
                  </td>
                  <td>
                    <span className={`status status-${journey.status}`}>
                      {t(`journeys.status.${journey.status}`)}
                    </span>
                  </td>
                  <td className="number">{formatNumber(journey.entries)}</td>
                  <td className="number">
                    {journey.entries > 0
                      ? formatNumber(journey.converted / journey.entries, {
                          style: 'percent',
                          maximumFractionDigits: 1,
                        })
                      : '–'}
                  </td>
                  <td>{formatDate(journey.updatedAt)}</td>
                  <td className="row-actions">
                    <Button
                      variant="ghost"
                      aria-label={t('journeys.rename', { name: journey.name })}
                      onClick={() => setRenaming({ id: journey.id, name: journey.name })}
                    >
                      ✎
                    </Button>
                    <Button
                      variant="ghost"
                      aria-label={t('journeys.duplicate', { name: journey.name })}
                      onClick={() => duplicate.mutate({ id: journey.id })}
                    >
                      ⧉
                    </Button>
                    {journey.status !== 'archived' && (
                      <Button
                        variant="ghost"
                        aria-label={t('journeys.archive', { name: journey.name })}
                        onClick={() => archive.mutate({ id: journey.id, action: 'archive' })}
                      >
                        🗄
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <NewJourneyDialog open={creating} onOpenChange={setCreating} />
      {renaming && (
        <RenameDialog
          journey={renaming}
          onDone={() => {
            setRenaming(null);
            void refresh();
          }}
        />
      )}
    </main>
  );
}

function RenameDialog({ journey, onDone }: { journey: { id: string; name: string }; onDone(): void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const [name, setName] = useState(journey.name);
  const rename = useMutation(trpc.journeys.rename.mutationOptions({ onSuccess: onDone }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    rename.mutate({ id: journey.id, name });
  };
  return (
    <Dialog
      open
      onOpenChange={(open) => {
        if (!open) onDone();
      }}
      title={t('journeys.rename.title')}
    >
      <form onSubmit={submit} className="form">
        <label className="field">
          <span>{t('journeys.create.name')}</span>
          <input autoFocus value={name} onChange={(event) => setName(event.target.value)} maxLength={200} />
        </label>
        {rename.error && (
          <p role="alert" className="error">
            {rename.error.message}
          </p>
        )}
        <div className="form-actions">
          <Button onClick={onDone}>{t('journeys.create.cancel')}</Button>
          <Button type="submit" variant="primary" disabled={!name.trim()}>
            {t('journeys.rename.submit')}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
