// Channel settings: SMTP server and sender, frequency cap, quiet hours, webhook signing and allow-list.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import type { ChannelSettings } from '../../shared/channel-settings';
import { useI18n } from '../i18n/i18n';
import { useTRPC } from '../trpc';
import { Button } from '../ui/button';
import { TimeField } from '../ui/date-field';

/** Each provider's state and backlog, refreshed every 10 seconds. */
export function DeliveryCard() {
  const { t, formatDate, formatNumber } = useI18n();
  const trpc = useTRPC();
  const providers = useQuery({ ...trpc.channels.providers.queryOptions(), refetchInterval: 10_000 });
  if (!providers.data) return null;
  const name = (provider: string) =>
    provider.startsWith('webhook:')
      ? `${t('delivery.webhook')} · ${provider.slice('webhook:'.length)}`
      : t(`delivery.${provider}` as 'delivery.email');
  return (
    <section className="card" aria-labelledby="delivery-heading">
      <h2 id="delivery-heading">{t('delivery.title')}</h2>
      <p className="muted">{t('delivery.body')}</p>
      <table className="table" aria-labelledby="delivery-heading">
        <thead>
          <tr>
            <th>{t('delivery.provider')}</th>
            <th>{t('delivery.state')}</th>
            <th>{t('delivery.queued')}</th>
          </tr>
        </thead>
        <tbody>
          {providers.data.map((row) => (
            <tr key={row.provider} data-state={row.state}>
              <td>{name(row.provider)}</td>
              <td>
                {row.state === 'up' ? (
                  <span className="status status-live">{t('delivery.up')}</span>
                ) : (
                  <span className="status status-paused">
                    {t('delivery.paused', {
                      since: formatDate(row.pausedSince!),
                      error: row.lastError ?? '',
                    })}
                  </span>
                )}
              </td>
              <td>
                {formatNumber(row.queued)}
                {row.oldestQueuedAt ? (
                  <span className="muted">
                    {' '}
                    · {t('delivery.oldest', { time: formatDate(row.oldestQueuedAt) })}
                  </span>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function ChannelSettingsCard() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const current = useQuery(trpc.channels.settings.queryOptions());
  const [form, setForm] = useState<ChannelSettings | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (current.data && !form) setForm(current.data as ChannelSettings);
  }, [current.data, form]);
  const save = useMutation(
    trpc.channels.save.mutationOptions({
      onSuccess: (next) => {
        setForm(next as ChannelSettings);
        setSaved(true);
      },
    }),
  );
  const test = useMutation(trpc.channels.testSmtp.mutationOptions());
  const environment = useQuery(trpc.channels.environment.queryOptions());
  if (!form) return null;
  // Every section is sent; cleared quiet hours go as null (a section left out would be kept).
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    save.mutate({ settings: { ...form, quietHours: form.quietHours ?? null } });
  };
  const cap = form.caps.email;
  return (
    <section className="card" aria-labelledby="channels-heading">
      <h2 id="channels-heading">{t('channels.title')}</h2>
      <p className="muted">{t('channels.body')}</p>
      <form onSubmit={submit} className="form">
        <div className="grid">
          <label className="field">
            <span>{t('channels.smtp')}</span>
            <input
              value={form.email.smtpUrl ?? ''}
              placeholder="smtp://user:password@mail.example.com:587"
              aria-describedby="smtp-source"
              onChange={(e) =>
                setForm({ ...form, email: { ...form.email, smtpUrl: e.target.value || undefined } })
              }
            />
            <small id="smtp-source" className="muted">
              {form.email.smtpUrl
                ? t('channels.smtpOwn')
                : environment.data?.smtp
                  ? t('channels.smtpFromEnvironment', { server: environment.data.smtp })
                  : t('channels.smtpNone')}
            </small>
          </label>
          <label className="field">
            <span>{t('channels.from')}</span>
            <input
              value={form.email.from ?? ''}
              placeholder="Shop <hello@example.com>"
              onChange={(e) =>
                setForm({ ...form, email: { ...form.email, from: e.target.value || undefined } })
              }
            />
          </label>
          <label className="field">
            <span>{t('channels.uncertain')}</span>
            <select
              value={form.email.uncertain ?? 'mark'}
              onChange={(e) =>
                setForm({ ...form, email: { ...form.email, uncertain: e.target.value as 'mark' | 'resend' } })
              }
            >
              <option value="mark">{t('channels.uncertain.mark')}</option>
              <option value="resend">{t('channels.uncertain.resend')}</option>
            </select>
          </label>
          <label className="field">
            <span>{t('channels.capEmail')}</span>
            <input
              type="number"
              min={1}
              value={cap?.max ?? ''}
              onChange={(e) =>
                setForm({
                  ...form,
                  caps: {
                    ...form.caps,
                    email: e.target.value ? { max: Number(e.target.value), days: cap?.days ?? 7 } : undefined,
                  },
                })
              }
            />
          </label>
          <label className="field">
            <span>{t('channels.capDays')}</span>
            <input
              type="number"
              min={1}
              value={cap?.days ?? ''}
              disabled={!cap}
              onChange={(e) =>
                setForm({
                  ...form,
                  caps: { ...form.caps, email: { max: cap?.max ?? 3, days: Number(e.target.value) } },
                })
              }
            />
          </label>
          <label className="field">
            <span>{t('channels.quietStart')}</span>
            <TimeField
              value={form.quietHours?.start ?? ''}
              onChange={(start) =>
                setForm({
                  ...form,
                  quietHours: start ? { start, end: form.quietHours?.end ?? '08:00' } : undefined,
                })
              }
            />
          </label>
          <label className="field">
            <span>{t('channels.quietEnd')}</span>
            <TimeField
              value={form.quietHours?.end ?? ''}
              disabled={!form.quietHours}
              onChange={(end) => {
                if (end) setForm({ ...form, quietHours: { start: form.quietHours?.start ?? '21:00', end } });
              }}
            />
          </label>
          <label className="field">
            <span>{t('channels.testEmail')}</span>
            <input
              type="email"
              value={form.test?.email ?? ''}
              placeholder="qa@example.com"
              onChange={(e) =>
                setForm({ ...form, test: { ...form.test, email: e.target.value || undefined } })
              }
            />
          </label>
          <label className="field">
            <span>{t('channels.testPhone')}</span>
            <input
              value={form.test?.phone ?? ''}
              onChange={(e) =>
                setForm({ ...form, test: { ...form.test, phone: e.target.value || undefined } })
              }
            />
          </label>
          <label className="field">
            <span>{t('channels.webhookSecret')}</span>
            <input
              value={form.webhook.secret ?? ''}
              onChange={(e) =>
                setForm({ ...form, webhook: { ...form.webhook, secret: e.target.value || undefined } })
              }
            />
          </label>
          <label className="field">
            <span>{t('channels.allowHosts')}</span>
            <input
              value={form.webhook.allowHosts.join(', ')}
              onChange={(e) =>
                setForm({
                  ...form,
                  webhook: {
                    ...form.webhook,
                    allowHosts: e.target.value
                      .split(',')
                      .map((h) => h.trim().toLowerCase())
                      .filter(Boolean),
                  },
                })
              }
            />
          </label>
        </div>
        {save.error && (
          <p role="alert" className="error">
            {save.error.message}
          </p>
        )}
        {saved && <p role="status">{t('channels.saved')}</p>}
        {test.data && (
          <p role="status" className={test.data.ok ? '' : 'error'}>
            {test.data.message}
          </p>
        )}
        <div className="form-actions">
          <Button onClick={() => test.mutate()}>{t('channels.test')}</Button>
          <Button type="submit" variant="primary">
            {t('channels.save')}
          </Button>
        </div>
      </form>
    </section>
  );
}
