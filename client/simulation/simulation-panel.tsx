// Try the draft before it goes live: pick a customer (or type sample traits), the trigger event
// and what he does meanwhile; the canvas highlights his path, and each step says when, which
// branch and why, how long a wait lasts, and shows the rendered message. Nothing is sent.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../server/api/app-router';
import { useI18n } from '../i18n/i18n';
import { useTRPC } from '../trpc';
import { Button } from '../ui/button';
import { useEditor } from '../canvas/editor-store';
import { useSimulation } from './simulation-store';
import { useNodeNames } from '../canvas/node-name';
import { describeRule } from '../../shared/conditions';
import type { Channel } from '../../shared/node-type';

type Result = inferRouterOutputs<AppRouter>['journeys']['simulate'];
type EventRow = { name: string; after: string; unit: 'minutes' | 'hours' | 'days' };
const hoursPer = { minutes: 1 / 60, hours: 1, days: 24 } as const;

function parseJson(text: string, field: string): Record<string, unknown> {
  if (!text.trim()) return {};
  const value = JSON.parse(text) as unknown;
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new Error(`${field}: expected a JSON object like {"plan": "pro"}`);
  return value as Record<string, unknown>;
}

/** Test mode: the draft as a test version for listed test profiles, on the real engine and providers. */
function TestRuns({
  journeyId,
  beforeStart,
  trigger,
}: {
  journeyId: string;
  beforeStart(): Promise<void>;
  trigger: () => { name: string; properties: Record<string, unknown> } | null;
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const [profiles, setProfiles] = useState('');
  const [speed, setSpeed] = useState('60');
  const start = useMutation(trpc.journeys.startTest.mutationOptions());
  return (
    <fieldset className="test-runs">
      <legend>{t('testMode.title')}</legend>
      <p className="muted small">{t('testMode.intro')}</p>
      <label className="field">
        <span>{t('testMode.profiles')}</span>
        <input
          value={profiles}
          onChange={(event) => setProfiles(event.target.value)}
          placeholder="qa-anna, qa-ben@example.com"
        />
      </label>
      <label className="field">
        <span>{t('testMode.speed')}</span>
        <input type="number" min="1" value={speed} onChange={(event) => setSpeed(event.target.value)} />
      </label>
      <Button
        disabled={!profiles.trim() || start.isPending}
        onClick={async () => {
          await beforeStart();
          start.mutate({
            id: journeyId,
            profiles: profiles
              .split(',')
              .map((profile) => profile.trim())
              .filter(Boolean),
            speed: Math.max(1, Number(speed) || 1),
            trigger: trigger(),
          });
        }}
      >
        {t('testMode.start')}
      </Button>
      {start.error && (
        <p role="alert" className="error">
          {start.error.message}
        </p>
      )}
      {start.data && (
        <p role="status">
          {t('testMode.started', {
            number: start.data.testNumber,
            started: start.data.started,
            inside: start.data.alreadyInside,
          })}
        </p>
      )}
    </fieldset>
  );
}

export function SimulationPanel({
  journeyId,
  defaultTrigger,
  onClose,
  beforeTest,
}: {
  journeyId: string;
  defaultTrigger: string;
  onClose(): void;
  beforeTest(): Promise<void>;
}) {
  const { t, formatNumber, locale } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [search, setSearch] = useState('');
  const [profile, setProfile] = useState<{ id: string; name: string } | null>(null);
  const [sample, setSample] = useState('{\n  "firstName": "Sam",\n  "email": "sam@example.com"\n}');
  const [triggerName, setTriggerName] = useState(defaultTrigger);
  const [triggerProperties, setTriggerProperties] = useState('{}');
  const [events, setEvents] = useState<EventRow[]>([]);
  const [result, setResult] = useState<Result | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const found = useQuery(
    trpc.profiles.search.queryOptions(
      { query: search, limit: 5 },
      { enabled: search.trim().length > 1 && !profile },
    ),
  );

  const run = async () => {
    setError(null);
    setRunning(true);
    try {
      const graph = useEditor.getState().toGraph();
      const input = {
        id: journeyId,
        graph,
        ...(profile ? { profileId: profile.id } : { sample: parseJson(sample, t('simulate.sample')) }),
        trigger: triggerName.trim()
          ? { name: triggerName.trim(), properties: parseJson(triggerProperties, t('simulate.properties')) }
          : null,
        events: events
          .filter((event) => event.name.trim())
          .map((event) => ({
            name: event.name.trim(),
            properties: {},
            afterHours: Number(event.after || 0) * hoursPer[event.unit],
          })),
      };
      const answer = await queryClient.fetchQuery({
        ...trpc.journeys.simulate.queryOptions(input),
        staleTime: 0,
      });
      setResult(answer);
      const next = new Map(
        graph.edges.map((edge) => [`${edge.source}\u0000${edge.sourcePort}`, edge.target]),
      );
      useSimulation.getState().show(answer.steps, (source, port) => next.get(`${source}\u0000${port}`));
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setRunning(false);
    }
  };
  const when = (iso: string, timeZone: string) =>
    new Intl.DateTimeFormat(locale, {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit',
      timeZone,
    }).format(new Date(iso));
  const { name: label, port: portLabel } = useNodeNames();

  return (
    <section className="simulation-panel" aria-label={t('simulate.title')}>
      <div className="panel-head">
        <h2>{t('simulate.title')}</h2>
        <Button
          variant="ghost"
          onClick={() => {
            useSimulation.getState().clear();
            onClose();
          }}
          aria-label={t('simulate.close')}
        >
          ✕
        </Button>
      </div>
      <p className="muted small">{t('simulate.intro')}</p>
      <fieldset>
        <legend>{t('simulate.customer')}</legend>
        {profile ? (
          <p>
            {profile.name}{' '}
            <Button variant="ghost" onClick={() => setProfile(null)}>
              {t('simulate.useSample')}
            </Button>
          </p>
        ) : (
          <>
            <label className="field">
              <span>{t('simulate.findProfile')}</span>
              <input
                value={search}
                onChange={(event) => setSearch(event.target.value)}
                placeholder="ada@example.com"
              />
            </label>
            {found.data && found.data.profiles.length > 0 && (
              <ul className="plain">
                {found.data.profiles.map((candidate) => (
                  <li key={candidate.id}>
                    <Button
                      variant="ghost"
                      onClick={() =>
                        setProfile({ id: candidate.id, name: candidate.user_id ?? candidate.id })
                      }
                    >
                      {candidate.user_id ?? candidate.id}
                    </Button>
                  </li>
                ))}
              </ul>
            )}
            <label className="field">
              <span>{t('simulate.sample')}</span>
              <textarea
                rows={4}
                value={sample}
                onChange={(event) => setSample(event.target.value)}
                spellCheck={false}
              />
            </label>
          </>
        )}
      </fieldset>
      <fieldset>
        <legend>{t('simulate.trigger')}</legend>
        <label className="field">
          <span>{t('simulate.event')}</span>
          <input value={triggerName} onChange={(event) => setTriggerName(event.target.value)} />
        </label>
        <label className="field">
          <span>{t('simulate.properties')}</span>
          <textarea
            rows={2}
            value={triggerProperties}
            onChange={(event) => setTriggerProperties(event.target.value)}
            spellCheck={false}
          />
        </label>
      </fieldset>
      <fieldset>
        <legend>{t('simulate.meanwhile')}</legend>
        {events.map((event, index) => (
          <div key={index} className="row">
            <input
              aria-label={t('simulate.eventName', { n: index + 1 })}
              value={event.name}
              placeholder="Order Completed"
              onChange={(change) =>
                setEvents(events.map((row, i) => (i === index ? { ...row, name: change.target.value } : row)))
              }
            />
            <label className="sim-after">
              {t('simulate.after')}{' '}
              <input
                aria-label={t('simulate.eventAfter', { n: index + 1 })}
                type="number"
                min="0"
                step="any"
                value={event.after}
                onChange={(change) =>
                  setEvents(
                    events.map((row, i) => (i === index ? { ...row, after: change.target.value } : row)),
                  )
                }
              />
            </label>
            <select
              aria-label={t('simulate.eventUnit', { n: index + 1 })}
              value={event.unit}
              onChange={(change) =>
                setEvents(
                  events.map((row, i) =>
                    i === index ? { ...row, unit: change.target.value as EventRow['unit'] } : row,
                  ),
                )
              }
            >
              <option value="minutes">{t('simulate.minutes')}</option>
              <option value="hours">{t('simulate.hours')}</option>
              <option value="days">{t('simulate.days')}</option>
            </select>
            <Button
              variant="ghost"
              aria-label={t('simulate.removeEvent', { n: index + 1 })}
              onClick={() => setEvents(events.filter((_, i) => i !== index))}
            >
              ✕
            </Button>
          </div>
        ))}
        <Button onClick={() => setEvents([...events, { name: '', after: '1', unit: 'days' }])}>
          {t('simulate.addEvent')}
        </Button>
      </fieldset>
      <Button variant="primary" onClick={() => void run()} disabled={running}>
        {t('simulate.run')}
      </Button>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {result && (
        <div className="simulation-result">
          <p role="status">
            <strong>{t(`simulate.status.${result.status}`)}</strong>
            {result.converted ? ` · ${t('simulate.converted')}` : ''}
            {result.error ? ` — ${result.error}` : ''}
          </p>
          <ol className="simulation-steps" aria-label={t('simulate.path')}>
            {result.steps.map((step, index) => (
              <li key={index}>
                <div>
                  <strong>{label(step.nodeId)}</strong>{' '}
                  <span className="muted">{when(step.at, result.timeZone)}</span>
                  {step.port ? ` → ${portLabel(step.nodeId, step.port)}` : ` (${step.outcome})`}
                </div>
                {step.why.length > 0 && (
                  <ul className="why">
                    {step.why.map((rule, i) => (
                      <li key={i}>
                        {rule.passed ? '✓' : '✗'} {rule.spec ? describeRule(rule.spec, locale) : rule.rule} —{' '}
                        {t('simulate.saw')}{' '}
                        <code>{JSON.stringify(rule.actual) ?? t('simulate.nothing')}</code>
                      </li>
                    ))}
                  </ul>
                )}
                {step.wait && (
                  <div className="muted">
                    {t(`simulate.wait.${step.wait.endedBy}`, {
                      at: when(step.wait.at, step.wait.timeZone),
                      zone: step.wait.timeZone,
                      event: step.wait.event ?? '',
                    })}
                  </div>
                )}
                {step.messages.map((message, i) => (
                  <div key={i} className="simulated-message">
                    <div className="muted small">
                      {t(`channel.${message.channel as Channel}`)} ·{' '}
                      {message.delayedBy
                        ? t('simulate.delayed', {
                            at: when(message.deliverAt, result.timeZone),
                            reason: message.delayedBy,
                          })
                        : t('simulate.sentAt', { at: when(message.deliverAt, result.timeZone) })}
                    </div>
                    {message.error && <p className="error">{message.error}</p>}
                    {message.subject !== undefined && <div className="subject">{message.subject}</div>}
                    {message.html !== undefined && (
                      <iframe
                        title={`${t('simulate.rendered')} ${index + 1}`}
                        sandbox=""
                        srcDoc={message.html}
                        className="email-frame"
                      />
                    )}
                    {message.body !== undefined && (
                      <p>
                        {message.title ? <strong>{message.title} </strong> : null}
                        {message.body}
                      </p>
                    )}
                    {message.url !== undefined && (
                      <p>
                        <code>{message.url}</code>
                      </p>
                    )}
                  </div>
                ))}
              </li>
            ))}
          </ol>
          <p className="muted small">
            {t('simulate.nothingSent', { steps: formatNumber(result.steps.length) })}
          </p>
        </div>
      )}
      <TestRuns
        journeyId={journeyId}
        beforeStart={beforeTest}
        trigger={() => {
          try {
            return triggerName.trim()
              ? {
                  name: triggerName.trim(),
                  properties: parseJson(triggerProperties, t('simulate.properties')),
                }
              : null;
          } catch {
            return null;
          }
        }}
      />
    </section>
  );
}
