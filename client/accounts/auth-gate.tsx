// Nobody sees Waymark without logging in: the first visit sets up the first (admin) account,
// later visits log in, and invitation links let new members join.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useState, type FormEvent, type ReactNode } from 'react';
import { useI18n } from '../i18n/i18n';
import { Button } from '../ui/button';
import { minPasswordLength } from '../../shared/passwords';

export interface CurrentUser {
  userId: string;
  email: string;
  name: string | null;
  workspaceId: string;
  role: 'viewer' | 'editor' | 'publisher' | 'admin';
}

const UserContext = createContext<CurrentUser | null>(null);
export const useCurrentUser = () => useContext(UserContext);

async function post(path: string, body: unknown): Promise<{ ok: boolean; error?: string }> {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'x-waymark-csrf': '1' },
    body: JSON.stringify(body),
  });
  const data = (await response.json().catch(() => ({}))) as { error?: string };
  return { ok: response.ok, error: data.error };
}

export async function logOut(): Promise<void> {
  await post('/auth/logout', {});
  window.location.assign('/');
}

/** The rule a new password must meet, shown before it is sent and ticked off while it is typed. */
export function PasswordRule({ password }: { password: string }) {
  const { t } = useI18n();
  const met = password.length >= minPasswordLength;
  return (
    <p id="password-rule" className={`hint ${met ? 'hint-met' : ''}`}>
      {met ? '✓ ' : ''}
      {t('password.rule', {
        min: minPasswordLength,
        count: Math.max(0, minPasswordLength - password.length),
      })}
    </p>
  );
}

function CredentialsForm({
  title,
  body,
  submit,
  path,
  withName,
}: {
  title: string;
  body?: string;
  submit: string;
  path: string;
  withName?: boolean;
}) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await post(path, { email, password, ...(withName && name ? { name } : {}) });
    if (!result.ok) {
      setError(result.error ?? 'failed');
      return;
    }
    if (path.startsWith('/auth/invite/')) window.history.replaceState(null, '', '/');
    await queryClient.invalidateQueries();
  };
  return (
    <main className="auth-page">
      <form className="card form" onSubmit={onSubmit}>
        <h1>{title}</h1>
        {body && <p className="muted">{body}</p>}
        {withName && (
          <label className="field">
            <span>{t('auth.name')}</span>
            <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" />
          </label>
        )}
        <label className="field">
          <span>{t('auth.email')}</span>
          <input
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            autoComplete="username"
            required
          />
        </label>
        <label className="field">
          <span>{t('auth.password')}</span>
          <input
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete={withName ? 'new-password' : 'current-password'}
            required
            {...(withName ? { minLength: minPasswordLength, 'aria-describedby': 'password-rule' } : {})}
          />
        </label>
        {withName && <PasswordRule password={password} />}
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <Button type="submit" variant="primary">
          {submit}
        </Button>
      </form>
    </main>
  );
}

/** A reset link an admin issued: the new password only; the link says whose. */
function ResetForm({ token }: { token: string }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await post(`/auth/reset/${token}`, { password });
    if (!result.ok) {
      setError(result.error ?? 'failed');
      return;
    }
    window.history.replaceState(null, '', '/');
    await queryClient.invalidateQueries();
  };
  return (
    <main className="auth-page">
      <form className="card form" onSubmit={onSubmit}>
        <h1>{t('auth.reset.title')}</h1>
        <p className="muted">{t('auth.reset.body')}</p>
        <label className="field">
          <span>{t('password.next')}</span>
          <input
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="new-password"
            minLength={minPasswordLength}
            required
            aria-describedby="password-rule"
          />
        </label>
        <PasswordRule password={password} />
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <Button type="submit" variant="primary">
          {t('auth.reset.submit')}
        </Button>
      </form>
    </main>
  );
}

export function AuthGate({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const status = useQuery({
    queryKey: ['auth-status'],
    queryFn: async () =>
      (await fetch('/auth/status')).json() as Promise<{ needsSetup: boolean; user: CurrentUser | null }>,
    staleTime: 60_000,
  });
  if (!status.data) return null;
  const invite = /^\/invite\/([A-Za-z0-9_-]+)$/.exec(window.location.pathname);
  const reset = /^\/reset\/([A-Za-z0-9_-]+)$/.exec(window.location.pathname);
  if (reset) return <ResetForm token={reset[1]} />;
  if (invite)
    return (
      <CredentialsForm
        title={t('auth.invite.title')}
        body={t('auth.invite.body')}
        submit={t('auth.invite.submit')}
        path={`/auth/invite/${invite[1]}`}
        withName
      />
    );
  if (status.data.needsSetup)
    return (
      <CredentialsForm
        title={t('auth.setup.title')}
        body={t('auth.setup.body')}
        submit={t('auth.setup.submit')}
        path="/auth/signup"
        withName
      />
    );
  if (!status.data.user)
    return <CredentialsForm title={t('auth.login.title')} submit={t('auth.login')} path="/auth/login" />;
  return <UserContext.Provider value={status.data.user}>{children}</UserContext.Provider>;
}
