// The customers at or through one node, paged and searchable; each opens his profile.
import { useQuery } from '@tanstack/react-query';
import { useDeferredValue, useState } from 'react';
import { useI18n } from '../i18n/i18n';
import { useNodeNames } from '../canvas/node-name';
import { Link } from '../navigation';
import { useTRPC } from '../trpc';
import { Button } from '../ui/button';

export function NodeCustomersPanel({
  journeyId,
  nodeId,
  nodeLabel,
  versionId,
  onClose,
}: {
  journeyId: string;
  nodeId: string;
  nodeLabel: string;
  versionId?: string;
  onClose(): void;
}) {
  const { t, formatDate } = useI18n();
  const names = useNodeNames();
  const trpc = useTRPC();
  const [search, setSearch] = useState('');
  const [limit, setLimit] = useState(50);
  const deferred = useDeferredValue(search);
  const customers = useQuery(
    trpc.stats.nodeCustomers.queryOptions({
      journeyId,
      nodeId,
      versionId,
      search: deferred || undefined,
      limit,
    }),
  );
  return (
    <section className="customers-panel" aria-label={t('stats.customers', { node: nodeLabel })}>
      <header className="panel-header">
        <h2>{t('stats.customers', { node: nodeLabel })}</h2>
        <Button variant="ghost" aria-label={t('stats.close')} onClick={onClose}>
          ✕
        </Button>
      </header>
      <input
        type="search"
        aria-label={t('stats.search')}
        placeholder={t('stats.search')}
        value={search}
        onChange={(event) => setSearch(event.target.value)}
      />
      {customers.data?.customers.length === 0 && <p className="muted">{t('stats.noCustomers')}</p>}
      <ul className="timeline">
        {customers.data?.customers.map((customer) => (
          <li key={`${customer.run_id}-${customer.entered_at}`}>
            <Link to={`/profiles/${customer.profile_id}`}>
              {customer.user_id ?? customer.email ?? customer.profile_id.slice(0, 8)}
            </Link>{' '}
            <span className="muted">
              {customer.port
                ? `→ ${names.port(nodeId, customer.port)}`
                : t(`step.outcome.${customer.outcome}`)}{' '}
              · {formatDate(customer.entered_at)}
            </span>
          </li>
        ))}
      </ul>
      {customers.data?.hasMore && <Button onClick={() => setLimit(limit + 50)}>{t('profiles.more')}</Button>}
    </section>
  );
}
