// One customer: traits, ids, health score, event timeline and the journeys he is in; his data
// exported as JSON or deleted for good (admins).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useI18n } from '../i18n/i18n';
import { Link, navigate } from '../navigation';
import { useTRPC } from '../trpc';
import { Button } from '../ui/button';
import { Dialog } from '../ui/dialog';

function download(name: string, data: unknown): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function PersonalData({ profileId, name }: { profileId: string; name: string }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const exportData = useMutation(
    trpc.profiles.exportData.mutationOptions({
      onSuccess: (data) => download(`profile-${profileId}.json`, data),
    }),
  );
  const remove = useMutation(
    trpc.profiles.delete.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.profiles.search.queryKey() });
        navigate('/profiles');
      },
    }),
  );
  return (
    <div className="toolbar">
      <Button onClick={() => exportData.mutate({ id: profileId })} disabled={exportData.isPending}>
        {t('profile.export')}
      </Button>
      <Button onClick={() => setConfirming(true)}>{t('profile.delete')}</Button>
      {exportData.error && (
        <p role="alert" className="error">
          {exportData.error.message}
        </p>
      )}
      <Dialog open={confirming} onOpenChange={setConfirming} title={t('profile.delete.title', { name })}>
        <p>{t('profile.delete.body')}</p>
        {remove.error && (
          <p role="alert" className="error">
            {remove.error.message}
          </p>
        )}
        <div className="form-actions">
          <Button onClick={() => setConfirming(false)}>{t('journeys.create.cancel')}</Button>
          <Button
            variant="primary"
            onClick={() => remove.mutate({ id: profileId })}
            disabled={remove.isPending}
          >
            {t('profile.delete.confirm')}
          </Button>
        </div>
      </Dialog>
    </div>
  );
}

export function ProfilePage({ profileId }: { profileId: string }) {
  const { t, formatDate, formatNumber } = useI18n();
  const trpc = useTRPC();
  const detail = useQuery(trpc.profiles.get.queryOptions({ id: profileId }));
  if (detail.error)
    return (
      <main className="page">
        <p role="alert" className="error">
          {detail.error.message}
        </p>
      </main>
    );
  if (!detail.data) return <main className="page" />;
  const { profile, identities, events, runs } = detail.data;
  return (
    <main className="page">
      <Link to="/profiles">← {t('profile.back')}</Link>
      <h1>{profile.user_id ?? profile.id}</h1>
      <PersonalData profileId={profile.id} name={profile.user_id ?? profile.id} />
      <div className="columns">
        <section aria-labelledby="traits-heading" className="card">
          <h2 id="traits-heading">{t('profile.traits')}</h2>
          <dl className="traits">
            {Object.entries(profile.traits as Record<string, unknown>).map(([name, value]) => (
              <div key={name}>
                <dt>{name}</dt>
                <dd>{typeof value === 'object' ? JSON.stringify(value) : String(value)}</dd>
              </div>
            ))}
          </dl>
          <h3>{t('profile.tags')}</h3>
          <p>
            {profile.tags.length
              ? profile.tags.map((tag) => (
                  <span key={tag} className="tag">
                    {tag}
                  </span>
                ))
              : '–'}
          </p>
          <h3>{t('profile.ids')}</h3>
          <ul>
            {identities.map((identity) => (
              <li key={`${identity.kind}:${identity.value}`}>
                {identity.kind}: {identity.value}
              </li>
            ))}
          </ul>
          <h3>{t('profile.health')}</h3>
          <p className="health">{profile.health_score === null ? '–' : formatNumber(profile.health_score)}</p>
        </section>
        <section aria-labelledby="journeys-heading" className="card">
          <h2 id="journeys-heading">{t('profile.journeys')}</h2>
          {runs.length === 0 && <p className="muted">{t('profile.noJourneys')}</p>}
          <ul className="timeline">
            {runs.map((run) => (
              <li key={run.id}>
                <Link to={`/journeys/${run.journey_id}`}>{run.journey_name}</Link>{' '}
                {run.version === null || run.version > 0
                  ? `v${run.version}`
                  : t('profile.testRun', { number: -run.version })}{' '}
                · <span className={`status status-${run.status}`}>{t(`run.status.${run.status}`)}</span>{' '}
                {(run.status === 'waiting' || run.status === 'active') &&
                  t('profile.run.at', { node: run.current_node_name ?? '' })}
                <div className="muted">
                  {formatDate(run.entered_at)}
                  {run.error ? ` · ${run.error}` : ''}
                </div>
                <ol className="path" aria-label={`${run.journey_name} path`}>
                  {run.path.map((step) => (
                    <li
                      key={step.seq}
                      title={`${formatDate(step.entered_at)}${step.left_at ? ` → ${formatDate(step.left_at)}` : ''}`}
                    >
                      {step.node_name}
                      {step.port_label ? ` → ${step.port_label}` : ` (${t(`step.outcome.${step.outcome}`)})`}
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
                {Object.keys(event.properties as object).length > 0 && (
                  <code className="properties">{JSON.stringify(event.properties)}</code>
                )}
              </li>
            ))}
          </ul>
        </section>
      </div>
    </main>
  );
}
