// Profiles: search by id, email or trait; newest activity first.
import { useQuery } from '@tanstack/react-query';
import { useDeferredValue, useState } from 'react';
import { useI18n } from '../i18n/i18n';
import { Link } from '../navigation';
import { useTRPC } from '../trpc';
import { Button } from '../ui/button';

export function ProfileListPage() {
  const { t, formatDate, formatNumber } = useI18n();
  const trpc = useTRPC();
  const [search, setSearch] = useState('');
  const [limit, setLimit] = useState(50);
  const query = useDeferredValue(search);
  const profiles = useQuery(trpc.profiles.search.queryOptions({ query: query || undefined, limit }));
  return (
    <main className="page">
      <header className="page-header">
        <h1>{t('profiles.title')}</h1>
      </header>
      <input
        type="search"
        className="search"
        aria-label={t('profiles.search')}
        placeholder={t('profiles.search')}
        value={search}
        onChange={(event) => setSearch(event.target.value)}
      />
      {profiles.error && (
        <p role="alert" className="error">
          {profiles.error.message}
        </p>
      )}
      {profiles.data && profiles.data.profiles.length === 0 && (
        <p className="muted">{query ? t('profiles.none') : t('profiles.empty')}</p>
      )}
      {profiles.data && profiles.data.profiles.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>{t('profiles.column.user')}</th>
              <th>{t('profiles.column.email')}</th>
              <th className="number">{t('profiles.column.health')}</th>
              <th>{t('profiles.column.lastSeen')}</th>
            </tr>
          </thead>
          <tbody>
            {profiles.data.profiles.map((profile) => (
              <tr key={profile.id}>
                <td>
                  <Link to={`/profiles/${profile.id}`}>{profile.user_id ?? profile.id.slice(0, 8)}</Link>
                </td>
                <td>{String((profile.traits as Record<string, unknown>).email ?? '')}</td>
                <td className="number">
                  {profile.health_score === null ? '–' : formatNumber(profile.health_score)}
                </td>
                <td>{formatDate(profile.last_seen_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {profiles.data?.hasMore && <Button onClick={() => setLimit(limit + 50)}>{t('profiles.more')}</Button>}
    </main>
  );
}
