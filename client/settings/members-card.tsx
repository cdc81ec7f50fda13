// Members and their roles, invitation links, and the audit log (admins only).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useI18n } from '../i18n/i18n';
import { en, type MessageKey } from '../i18n/messages';
import { useTRPC } from '../trpc';
import { Button } from '../ui/button';
import { PasswordRule } from '../accounts/auth-gate';
import { minPasswordLength } from '../../shared/passwords';

const roleList = ['viewer', 'editor', 'publisher', 'admin'] as const;

/** Any signed-in user: his own password (the current one checked; his other sessions end). */
export function PasswordCard() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const change = useMutation(
    trpc.accounts.changePassword.mutationOptions({
      onSuccess: () => {
        setCurrent('');
        setNext('');
      },
    }),
  );
  return (
    <section className="card" aria-labelledby="password-heading">
      <h2 id="password-heading">{t('password.title')}</h2>
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          change.mutate({ current, next });
        }}
      >
        <label className="field">
          <span>{t('password.current')}</span>
          <input
            type="password"
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
            autoComplete="current-password"
            required
          />
        </label>
        <label className="field">
          <span>{t('password.next')}</span>
          <input
            type="password"
            value={next}
            onChange={(e) => setNext(e.target.value)}
            autoComplete="new-password"
            minLength={minPasswordLength}
            required
            aria-describedby="password-rule"
          />
        </label>
        <PasswordRule password={next} />
        <Button type="submit" variant="primary" disabled={change.isPending}>
          {t('password.submit')}
        </Button>
      </form>
      {change.error && (
        <p role="alert" className="error">
          {change.error.message}
        </p>
      )}
      {change.isSuccess && <p role="status">{t('password.changed')}</p>}
    </section>
  );
}

export function MembersCard() {
  const { t, formatDate } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const members = useQuery(trpc.accounts.members.queryOptions());
  const log = useQuery(trpc.accounts.audit.queryOptions());
  const [inviteRole, setInviteRole] = useState<(typeof roleList)[number]>('editor');
  const invite = useMutation(trpc.accounts.invite.mutationOptions());
  const reset = useMutation(trpc.accounts.resetLink.mutationOptions());
  const setRole = useMutation(
    trpc.accounts.setRole.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.accounts.members.queryKey() }),
    }),
  );
  return (
    <section className="card" aria-labelledby="members-heading">
      <h2 id="members-heading">{t('members.title')}</h2>
      <ul className="key-list">
        {members.data?.map((member) => (
          <li key={member.id}>
            <strong>{member.email}</strong>
            <select
              aria-label={t('members.role', { email: member.email })}
              value={member.role}
              onChange={(e) =>
                setRole.mutate({ userId: member.id, role: e.target.value as (typeof roleList)[number] })
              }
            >
              {roleList.map((role) => (
                <option key={role} value={role}>
                  {t(`role.${role}`)}
                </option>
              ))}
            </select>
            <Button
              variant="ghost"
              aria-label={t('members.reset', { email: member.email })}
              onClick={() => reset.mutate({ userId: member.id })}
            >
              🔑
            </Button>
            <Button
              variant="ghost"
              aria-label={t('members.remove', { email: member.email })}
              onClick={() => setRole.mutate({ userId: member.id, role: null })}
            >
              ✕
            </Button>
          </li>
        ))}
      </ul>
      {setRole.error && (
        <p role="alert" className="error">
          {setRole.error.message}
        </p>
      )}
      {reset.data && (
        <p role="status" className="secret">
          {t('members.resetLink', {
            email: members.data?.find((member) => member.id === reset.variables?.userId)?.email ?? '',
          })}{' '}
          <code data-testid="reset-link">{`${window.location.origin}${reset.data.path}`}</code>
        </p>
      )}
      <div className="inline-form">
        <label className="field">
          <span>{t('members.inviteRole')}</span>
          <select
            value={inviteRole}
            onChange={(e) => setInviteRole(e.target.value as (typeof roleList)[number])}
          >
            {roleList.map((role) => (
              <option key={role} value={role}>
                {t(`role.${role}`)}
              </option>
            ))}
          </select>
        </label>
        <Button onClick={() => invite.mutate({ role: inviteRole })}>{t('members.invite')}</Button>
      </div>
      {invite.data && (
        <p role="status" className="secret">
          {t('members.link')}{' '}
          <code data-testid="invite-link">{`${window.location.origin}/invite/${invite.data.token}`}</code>
        </p>
      )}
      <h3>{t('audit.title')}</h3>
      <ul className="timeline">
        {log.data?.map((entry) => (
          <li key={entry.id}>
            <strong>
              {`audit.action.${entry.action}` in en
                ? t(`audit.action.${entry.action}` as MessageKey)
                : entry.action}
            </strong>{' '}
            <span className="muted">
              {entry.email ?? '—'} · {formatDate(entry.at)}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
