// One customer: traits, ids, health score, event timeline and the journeys he is in.
import { useQuery } from '@tanstack/react-query';
import { useI18n } from '../i18n/i18n';
import { Link } from '../navigation';
import { useTRPC } from '../trpc';

export function ProfilePage({ profileId }: { profileId: string }) {
  const { t, formatDate, formatNumber } = useI18n();
  const trpc = useTRPC();
  const detail = useQuery(trpc.profiles.get.queryOptions({ id: profileId }));
  if (detail.error) return <main className="page"><p role="alert" className="error">{detail.error.message}</p></main>;
  if (!detail.data) return <main className="page" />;
  const { profile, identities, events, runs } = detail.data;
  return (
    <main className="page">
      <Link to="/profiles">← {t('profile.back')}</Link>
      <h1>{profile.user_id ?? profile.id}</h1>
      <div className="columns">
        <section aria-labelledby="traits-heading" className="card">
          <h2 id="traits-heading">{t('profile.traits')}</h2>
          <dl className="traits">
            {Object.entries(profile.traits as Record<string, unknown>).map(([name, value]) => (
              <div key={name}><dt>{name}</dt><dd>{typeof value === 'object' ? JSON.stringify(value) : String(value)}</dd></div>
            ))}
          </dl>
          <h3>{t('profile.tags')}</h3>
          <p>{profile.tags.length ? profile.tags.map((tag) => <span key={tag} className="tag">{tag}</span>) : '–'}</p>
          <h3>{t('profile.ids')}</h3>
          <ul>{identities.map((identity) => <li key={`${identity.kind}:${identity.value}`}>{identity.kind}: {identity.value}</li>)}</ul>
          <h3>{t('profile.health')}</h3>
          <p className="health">{profile.health_score === null ? '–' : formatNumber(profile.health_score)}</p>
        </section>
        <section aria-labelledby="journeys-heading" className="card">
          <h2 id="journeys-heading">{t('profile.journeys')}</h2>
          {runs.length === 0 && <p className="muted">{t('profile.noJourneys')}</p>}
          <ul className="timeline">
            {runs.map((run) => (
              <li key={run.id}>
                <Link to={`/journeys/${run.journey_id}`}>{run.journey_name}</Link> v{run.version} · <span className={`status status-${run.status}`}>{run.status}</span>
                {' '}{(run.status === 'waiting' || run.status === 'active') && t('profile.run.at', { node: run.current_node })}
                <div className="muted">{formatDate(run.entered_at)}{run.error ? ` · ${run.error}` : ''}</div>
                <ol className="path" aria-label={`${run.journey_name} path`}>
                  {run.path.map((step) => (
                    <li key={step.seq} title={`${formatDate(step.entered_at)}${step.left_at ? ` → ${formatDate(step.left_at)}` : ''}`}>
                      {step.node_id}{step.port ? ` → ${step.port}` : ` (${step.outcome})`}
                    </li>
                  ))}
                </ol>
              </li>
            ))}
          </ul>
          <h2>{t('profile.timeline')}</h2>
          {events.length === 0 && <p className="muted">{t('profile.noEvents')}</p>}
          <ul className="timeline">
            {events.map((event) => (
              <li key={event.id}>
                <strong>{event.name}</strong> <span className="muted">{formatDate(event.occurred_at)}</span>
                {Object.keys(event.properties as object).length > 0 && <code className="properties">{JSON.stringify(event.properties)}</code>}
              </li>
            ))}
          </ul>
        </section>
      </div>
    </main>
  );
}
