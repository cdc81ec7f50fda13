// Settings: ingest write keys (create — shown once —, revoke) and the health-score formula.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { environmentKeyName } from '../../shared/write-keys';
import { useEffect, useState, type FormEvent } from 'react';
import { useI18n } from '../i18n/i18n';
import { useTRPC } from '../trpc';
import { Button } from '../ui/button';
import { ChannelSettingsCard, DeliveryCard } from './channel-settings-card';
import { MembersCard, PasswordCard } from './members-card';
import { useCurrentUser } from '../accounts/auth-gate';

function WriteKeys() {
  const { t, formatDate } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const keys = useQuery(trpc.settings.writeKeys.queryOptions());
  const [name, setName] = useState('');
  const [origins, setOrigins] = useState('');
  const [created, setCreated] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.settings.writeKeys.queryKey() });
  const create = useMutation(
    trpc.settings.createWriteKey.mutationOptions({
      onSuccess: (result) => {
        setCreated(result.key);
        setName('');
        setOrigins('');
        void refresh();
      },
    }),
  );
  const revoke = useMutation(
    trpc.settings.revokeWriteKey.mutationOptions({ onSuccess: () => void refresh() }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name, allowedOrigins: origins.split(/[\s,]+/).filter(Boolean) });
  };
  return (
    <section className="card" aria-labelledby="keys-heading">
      <h2 id="keys-heading">{t('settings.keys.title')}</h2>
      <p className="muted">{t('settings.keys.body')}</p>
      <ul className="key-list">
        {keys.data?.map((key) => (
          <li key={key.id}>
            <strong>{key.name === environmentKeyName ? t('settings.keys.fromEnvironment') : key.name}</strong>{' '}
            <code>{key.key_prefix}…</code> <span className="muted">{formatDate(key.created_at)}</span>{' '}
            <span className="muted small">
              {key.allowed_origins.length > 0
                ? t('settings.keys.onlyFrom', { origins: key.allowed_origins.join(', ') })
                : t('settings.keys.anyOrigin')}
            </span>
            {key.revoked_at ? (
              <span className="status status-archived">{t('settings.keys.revoked')}</span>
            ) : (
              <Button
                variant="ghost"
                aria-label={t('settings.keys.revoke', { name: key.name })}
                onClick={() => revoke.mutate({ id: key.id })}
              >
                ✕
              </Button>
            )}
          </li>
        ))}
      </ul>
      <form onSubmit={submit} className="inline-form">
        <label className="field">
          <span>{t('settings.keys.name')}</span>
          <input value={name} onChange={(event) => setName(event.target.value)} maxLength={100} />
        </label>
        <label className="field">
          <span>{t('settings.keys.origins')}</span>
          <input
            value={origins}
            onChange={(event) => setOrigins(event.target.value)}
            placeholder="https://shop.example.com"
          />
        </label>
        <Button type="submit" variant="primary" disabled={!name.trim() || create.isPending}>
          {t('settings.keys.create')}
        </Button>
      </form>
      {create.error && (
        <p role="alert" className="error">
          {create.error.message}
        </p>
      )}
      {created && (
        <p role="status" className="secret">
          {t('settings.keys.created')} <code data-testid="new-write-key">{created}</code>
        </p>
      )}
    </section>
  );
}

function HealthScore() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const current = useQuery(trpc.settings.healthScore.queryOptions());
  const [enabled, setEnabled] = useState(false);
  const [weights, setWeights] = useState({ recency: 40, frequency: 30, monetary: 30, trait: 0 });
  const [traitName, setTraitName] = useState('nps');
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (current.data === undefined) return;
    setEnabled(current.data !== null);
    if (current.data) {
      setWeights(current.data.weights);
      setTraitName(current.data.trait.name);
    }
  }, [current.data]);
  const save = useMutation(trpc.settings.setHealthScore.mutationOptions({ onSuccess: () => setSaved(true) }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    save.mutate({
      config: enabled
        ? {
            weights,
            recencyDays: current.data?.recencyDays ?? 90,
            frequencyTarget: current.data?.frequencyTarget ?? 20,
            monetaryEvent: current.data?.monetaryEvent ?? 'Order Completed',
            monetaryProperty: current.data?.monetaryProperty ?? 'total',
            monetaryTarget: current.data?.monetaryTarget ?? 1000,
            trait: { ...(current.data?.trait ?? { min: 0, max: 10, invert: false }), name: traitName },
          }
        : null,
    });
  };
  const weight = (key: keyof typeof weights, label: string) => (
    <label className="field">
      <span>{label}</span>
      <input
        type="number"
        min={0}
        max={100}
        value={weights[key]}
        disabled={!enabled}
        onChange={(event) => setWeights({ ...weights, [key]: Number(event.target.value) })}
      />
    </label>
  );
  return (
    <section className="card" aria-labelledby="health-heading">
      <h2 id="health-heading">{t('settings.health.title')}</h2>
      <p className="muted">{t('settings.health.body')}</p>
      <form onSubmit={submit} className="form">
        <label className="checkbox">
          <input type="checkbox" checked={enabled} onChange={(event) => setEnabled(event.target.checked)} />{' '}
          {t('settings.health.enabled')}
        </label>
        <div className="grid">
          {weight('recency', t('settings.health.recency'))}
          {weight('frequency', t('settings.health.frequency'))}
          {weight('monetary', t('settings.health.monetary'))}
          {weight('trait', t('settings.health.trait'))}
          <label className="field">
            <span>{t('settings.health.traitName')}</span>
            <input
              value={traitName}
              disabled={!enabled}
              onChange={(event) => setTraitName(event.target.value)}
            />
          </label>
        </div>
        {save.error && (
          <p role="alert" className="error">
            {save.error.message}
          </p>
        )}
        {saved && <p role="status">{t('settings.health.saved')}</p>}
        <div>
          <Button type="submit" variant="primary">
            {t('settings.health.save')}
          </Button>
        </div>
      </form>
    </section>
  );
}

export function SettingsPage() {
  const { t } = useI18n();
  const user = useCurrentUser();
  if (user?.role !== 'admin')
    return (
      <main className="page">
        <h1>{t('settings.title')}</h1>
        <PasswordCard />
        <p className="muted">{t('role.admin')} only.</p>
      </main>
    );
  return (
    <main className="page">
      <h1>{t('settings.title')}</h1>
      <WriteKeys />
      <ChannelSettingsCard />
      <DeliveryCard />
      <HealthScore />
      <MembersCard />
      <PasswordCard />
    </main>
  );
}
