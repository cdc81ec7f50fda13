// The journey list: name, status, entries, conversion rate, last edited; search; create.
import { useQuery } from '@tanstack/react-query';
import { useDeferredValue, useState } from 'react';
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

  const empty = journeys.data && journeys.data.length === 0 && !deferredSearch;
  return (
    <main className="page">
      <header className="page-header">
        <h1>{t('journeys.title')}</h1>
        {!empty && <Button variant="primary" onClick={() => setCreating(true)}>{t('journeys.new')}</Button>}
      </header>
      {journeys.isPending && <p>{t('journeys.loading')}</p>}
      {journeys.error && <p role="alert" className="error">{t('journeys.error', { message: journeys.error.message })}</p>}
      {empty && (
        <section className="empty-state">
          <h2>{t('journeys.empty.title')}</h2>
          <p>{t('journeys.empty.body')}</p>
          <Button variant="primary" onClick={() => setCreating(true)}>{t('journeys.new')}</Button>
        </section>
      )}
      {journeys.data && !empty && (
        <>
          <input type="search" className="search" aria-label={t('journeys.search')} placeholder={t('journeys.search')} value={search} onChange={(event) => setSearch(event.target.value)} />
          <table className="table">
            <thead>
              <tr>
                <th>{t('journeys.column.name')}</th>
                <th>{t('journeys.column.status')}</th>
                <th className="number">{t('journeys.column.entries')}</th>
                <th className="number">{t('journeys.column.conversion')}</th>
                <th>{t('journeys.column.edited')}</th>
              </tr>
            </thead>
            <tbody>
              {journeys.data.map((journey) => (
                <tr key={journey.id}>
                  <td>
                    <a href={`/journeys/${journey.id}`} onClick={(event) => { event.preventDefault(); navigate(`/journeys/${journey.id}`); }}>{journey.name}</a>
                  </td>
                  <td><span className={`status status-${journey.status}`}>{t(`journeys.status.${journey.status}`)}</span></td>
                  <td className="number">{formatNumber(journey.entries)}</td>
                  <td className="number">{journey.entries > 0 ? formatNumber(journey.converted / journey.entries, { style: 'percent', maximumFractionDigits: 1 }) : '–'}</td>
                  <td>{formatDate(journey.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <NewJourneyDialog open={creating} onOpenChange={setCreating} />
    </main>
  );
}
