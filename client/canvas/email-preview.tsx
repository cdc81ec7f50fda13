// Live preview of an email node for a sample profile, and "send test" to an address you type.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useDeferredValue, useState } from 'react';
import { useI18n } from '../i18n/i18n';
import { useTRPC } from '../trpc';
import { Button } from '../ui/button';
import { useTemplateVariables } from './variable-picker';

const defaultSample = '{"firstName": "Anna", "email": "anna@example.com"}';

export function EmailPreview({ config }: { config: Record<string, unknown> }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const [sampleText, setSampleText] = useState(defaultSample);
  const [to, setTo] = useState('');
  const [profile, setProfile] = useState('');
  // The trigger event to render {{ event.… }} with: the newest one seen, until the user writes another.
  const seen = useTemplateVariables()?.event.sample;
  const [eventText, setEventText] = useState<string | null>(null);
  const eventShown = eventText ?? JSON.stringify(seen ?? {});
  let sample: Record<string, unknown> | null = null;
  try {
    sample = JSON.parse(sampleText) as Record<string, unknown>;
  } catch {
    sample = null;
  }
  let event: Record<string, unknown> | null = null;
  try {
    event = JSON.parse(eventShown) as Record<string, unknown>;
  } catch {
    event = null;
  }
  const input = useDeferredValue({
    subject: String(config.subject ?? ''),
    html: String(config.html ?? ''),
    ...(config.text ? { text: String(config.text) } : {}),
    sample: sample ?? {},
    event: event ?? {},
    ...(profile.trim() ? { profile: profile.trim() } : {}),
  });
  const preview = useQuery(
    trpc.channels.preview.queryOptions(input, { enabled: sample !== null && event !== null }),
  );
  const send = useMutation(trpc.channels.sendTestEmail.mutationOptions());
  return (
    <section className="email-preview" aria-label={t('preview.title')}>
      <h3>{t('preview.title')}</h3>
      <label className="field">
        <span>{t('preview.profile')}</span>
        <input value={profile} onChange={(e) => setProfile(e.target.value)} placeholder="ada@example.com" />
      </label>
      {!profile.trim() && (
        <label className="field">
          <span>{t('preview.sample')}</span>
          <textarea rows={2} value={sampleText} onChange={(e) => setSampleText(e.target.value)} />
        </label>
      )}
      {sample === null && (
        <p role="alert" className="error">
          {t('preview.badJson')}
        </p>
      )}
      <label className="field">
        <span>{t('preview.event')}</span>
        <textarea rows={2} value={eventShown} onChange={(e) => setEventText(e.target.value)} />
      </label>
      {event === null && (
        <p role="alert" className="error">
          {t('preview.badEventJson')}
        </p>
      )}
      {preview.error && (
        <p role="alert" className="error">
          {preview.error.message}
        </p>
      )}
      {preview.data && !preview.data.ok && (
        <p role="alert" className="error">
          {preview.data.error}
        </p>
      )}
      {preview.data?.ok && (
        <>
          {preview.data.empty.length > 0 && (
            <ul className="preview-warnings" aria-label={t('preview.warnings')}>
              {preview.data.empty.map((variable) => (
                <li key={variable}>{t('preview.empty', { variable })}</li>
              ))}
            </ul>
          )}
          <p className="preview-subject" data-testid="preview-subject">
            {preview.data.subject}
          </p>
          <iframe
            title={t('preview.title')}
            sandbox=""
            srcDoc={preview.data.html}
            className="preview-frame"
          />
        </>
      )}
      <div className="inline-form">
        <label className="field">
          <span>{t('preview.sendTo')}</span>
          <input type="email" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
        <Button
          disabled={!to || sample === null || send.isPending}
          onClick={() => send.mutate({ ...input, to })}
        >
          {t('preview.send')}
        </Button>
      </div>
      {send.error && (
        <p role="alert" className="error">
          {send.error.message}
        </p>
      )}
      {send.isSuccess && <p role="status">{t('preview.sent')}</p>}
    </section>
  );
}

/** "Send test" for SMS, push and webhook touchpoints: rendered for a profile or sample traits, sent once. */
export function TouchpointTest({
  channel,
  config,
}: {
  channel: 'sms' | 'push' | 'webhook';
  config: Record<string, unknown>;
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const [profile, setProfile] = useState('');
  const [to, setTo] = useState('');
  const send = useMutation(trpc.channels.sendTest.mutationOptions());
  return (
    <section className="email-preview" aria-label={t('preview.testTitle')}>
      <h3>{t('preview.testTitle')}</h3>
      <label className="field">
        <span>{t('preview.profile')}</span>
        <input value={profile} onChange={(e) => setProfile(e.target.value)} placeholder="ada@example.com" />
      </label>
      <div className="inline-form">
        {channel !== 'webhook' && (
          <label className="field">
            <span>{t(channel === 'sms' ? 'preview.sendToPhone' : 'preview.sendToDevice')}</span>
            <input value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
        )}
        <Button
          disabled={(channel !== 'webhook' && !to) || send.isPending}
          onClick={() =>
            send.mutate({
              channel,
              content: config,
              ...(profile.trim() ? { profile: profile.trim() } : { sample: defaultSampleTraits }),
              to,
            })
          }
        >
          {t('preview.send')}
        </Button>
      </div>
      {send.error && (
        <p role="alert" className="error">
          {send.error.message}
        </p>
      )}
      {send.data && <p role="status">{t('preview.sentVia', { via: send.data.via })}</p>}
    </section>
  );
}

const defaultSampleTraits = JSON.parse(defaultSample) as Record<string, unknown>;
