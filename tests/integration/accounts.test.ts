// Accounts and roles: nothing without logging in; each role can do what it may and no more;
// sessions are httpOnly SameSite cookies, calls need the CSRF header, logins are rate-limited.
import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import type { Role } from '../../server/db/schema';
import { journeyTemplates } from '../../shared/templates';
import { startSession } from '../../server/accounts/accounts';
import { useTestServer } from '../support/test-server';

const app = useTestServer();

const post = (path: string, body: unknown, headers: Record<string, string> = { 'x-waymark-csrf': '1' }) =>
  fetch(`${app.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

/** A new session cookie of the first account, or of an admin of the workspace. */
async function sessionOf(who: 'owner' | 'admin'): Promise<string> {
  const user =
    who === 'owner'
      ? await app.services.db
          .selectFrom('users')
          .select('id')
          .where('email', '=', 'owner@example.com')
          .executeTakeFirstOrThrow()
      : await app.services.db
          .selectFrom('memberships')
          .select('user_id as id')
          .where('workspace_id', '=', app.services.defaultWorkspaceId)
          .where('role', '=', 'admin')
          .executeTakeFirstOrThrow();
  return `waymark_session=${await startSession(app.services.db, user.id, app.services.defaultWorkspaceId)}`;
}

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    return error instanceof TRPCError ? error.code : String(error);
  }
}

describe('accounts', () => {
  it('the first sign-up creates the admin; then sign-up is closed and login works with the right password only', async () => {
    expect(await (await fetch(`${app.url}/auth/status`)).json()).toMatchObject({
      needsSetup: true,
      user: null,
    });
    const signup = await post('/auth/signup', {
      email: 'Owner@Example.com',
      password: 'a long enough password',
      name: 'Olga',
    });
    expect(signup.status).toBe(200);
    const cookie = signup.headers.get('set-cookie')!;
    expect(cookie).toMatch(/waymark_session=[^;]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Strict/);
    const status = await (
      await fetch(`${app.url}/auth/status`, { headers: { cookie: cookie.split(';')[0] } })
    ).json();
    expect(status).toMatchObject({ needsSetup: false, user: { email: 'owner@example.com', role: 'admin' } });

    expect(
      (await post('/auth/signup', { email: 'intruder@example.com', password: 'another long password' }))
        .status,
    ).toBe(403);
    expect(
      (await post('/auth/login', { email: 'owner@example.com', password: 'wrong password!' })).status,
    ).toBe(401);
    expect(
      (await post('/auth/login', { email: 'owner@example.com', password: 'a long enough password' })).status,
    ).toBe(200);
    expect(
      (await post('/auth/login', { email: 'owner@example.com', password: 'a long enough password' }, {}))
        .status,
    ).toBe(403); // no CSRF header
    expect((await post('/auth/login', { email: 'not-an-email', password: 'x' })).status).toBe(400);
  });

  it('logins are rate-limited', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 14; attempt++)
      statuses.push(
        (await post('/auth/login', { email: 'victim@example.com', password: `guess ${attempt}` })).status,
      );
    expect(statuses).toContain(429);
    expect(statuses.slice(0, 5).every((status) => status === 401)).toBe(true);
  });

  it('the API refuses callers who are not logged in, and mutations without the CSRF header', async () => {
    expect((await fetch(`${app.url}/trpc/journeys.list`)).status).toBe(401);
    const login = await post('/auth/login', {
      email: 'owner@example.com',
      password: 'a long enough password',
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    expect((await fetch(`${app.url}/trpc/journeys.list`, { headers: { cookie } })).status).toBe(200);
    const forged = await fetch(`${app.url}/trpc/journeys.create`, {
      method: 'POST',
      headers: { cookie, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Forged' }),
    });
    expect(forged.status).toBe(403);
    const logout = await post('/auth/logout', {}, { cookie, 'x-waymark-csrf': '1' });
    expect(logout.status).toBe(200);
    expect((await fetch(`${app.url}/trpc/journeys.list`, { headers: { cookie } })).status).toBe(401);
  });

  it('a malformed session cookie is a 401 (and cleared), never a 500', async () => {
    for (const cookie of ['waymark_session=%E0%A4%A', 'waymark_session=%', 'other=1; waymark_session=%zz']) {
      const status = await fetch(`${app.url}/auth/status`, { headers: { cookie } });
      expect({ cookie, status: status.status }).toEqual({ cookie, status: 401 });
      expect(status.headers.get('set-cookie')).toMatch(/^waymark_session=; Max-Age=0/);
      expect((await status.json()).error).toContain('malformed');
      const api = await fetch(`${app.url}/trpc/journeys.list`, { headers: { cookie } });
      expect({ cookie, status: api.status }).toEqual({ cookie, status: 401 });
    }
  });

  it('behind a trusted TLS proxy, cookies are Secure and HSTS is sent; the header is ignored from anyone else', async () => {
    const { startHttpServer } = await import('../../server/http/http-server');
    const proxied = await startHttpServer(app.services, {
      port: 0,
      host: '127.0.0.1',
      clientDir: '/nonexistent',
      trustProxy: true,
    });
    try {
      const login = (url: string, headers: Record<string, string>) =>
        fetch(`${url}/auth/login`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'x-waymark-csrf': '1', ...headers },
          body: JSON.stringify({ email: 'owner@example.com', password: 'a long enough password' }),
        });
      const overTls = await login(proxied.url, { 'X-Forwarded-Proto': 'https' });
      expect(overTls.status).toBe(200);
      expect(overTls.headers.get('set-cookie')).toMatch(/; Secure/);
      expect(overTls.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
      const plain = await login(proxied.url, {});
      expect(plain.headers.get('set-cookie')).not.toMatch(/Secure/);
      expect(plain.headers.get('strict-transport-security')).toBeNull();
      // Without WAYMARK_TRUST_PROXY the header is anyone's to send: not believed.
      const spoofed = await login(app.url, { 'X-Forwarded-Proto': 'https' });
      expect(spoofed.headers.get('set-cookie')).not.toMatch(/Secure/);
      expect(spoofed.headers.get('strict-transport-security')).toBeNull();
    } finally {
      await proxied.close();
    }
  });

  it('an invitation link adds a member with the invited role', async () => {
    const token = (await app.services.caller().accounts.invite({ role: 'editor' })).token;
    const joined = await post(`/auth/invite/${token}`, {
      email: 'ed@example.com',
      password: 'editor password 123',
    });
    expect(joined.status).toBe(200);
    expect((await joined.json()).user).toMatchObject({ email: 'ed@example.com', role: 'editor' });
    expect(
      (await post(`/auth/invite/${token}`, { email: 'again@example.com', password: 'another password 1' }))
        .status,
    ).toBe(404);
    const members = await app.services.caller().accounts.members();
    expect(members.map((member) => `${member.email}:${member.role}`)).toContain('ed@example.com:editor');
  });
});

describe('roles, enforced on the server for every procedure', () => {
  it('viewer reads; editor edits drafts; publisher publishes and pauses; admin changes settings', async () => {
    const cart = journeyTemplates.find((template) => template.id === 'abandoned-cart')!;
    const admin = app.services.caller(undefined, 'admin');
    const journey = await admin.journeys.create({ name: 'Roles', draft: cart.graph });
    const as = (role: Role) => app.services.caller(undefined, role);
    const table: Array<[string, (role: Role) => Promise<unknown>, Role]> = [
      ['journeys.list', (role) => as(role).journeys.list(), 'viewer'],
      ['stats.journey', (role) => as(role).stats.journey({ journeyId: journey.id }), 'viewer'],
      ['profiles.search', (role) => as(role).profiles.search({}), 'viewer'],
      [
        'journeys.updateDraft',
        (role) => as(role).journeys.updateDraft({ id: journey.id, draft: cart.graph }),
        'editor',
      ],
      ['journeys.create', (role) => as(role).journeys.create({ name: `by ${role}` }), 'editor'],
      ['journeys.publish', (role) => as(role).journeys.publish({ id: journey.id }), 'publisher'],
      ['settings.writeKeys', (role) => as(role).settings.writeKeys(), 'admin'],
      ['channels.settings', (role) => as(role).channels.settings(), 'admin'],
      ['accounts.members', (role) => as(role).accounts.members(), 'admin'],
    ];
    const order: Role[] = ['viewer', 'editor', 'publisher', 'admin'];
    for (const [name, call, needed] of table) {
      for (const role of order) {
        const expected = order.indexOf(role) >= order.indexOf(needed) ? 'OK' : 'FORBIDDEN';
        expect({ name, role, result: await code(call(role)) }).toEqual({ name, role, result: expected });
      }
    }
    await expect(
      as('editor').journeys.import({
        file: { waymark: 'journey', formatVersion: 1, name: 'x', graph: cart.graph },
        publish: true,
      }),
    ).rejects.toThrow(/publisher role/);
    const log = await admin.accounts.audit();
    expect(log.map((entry) => entry.action)).toEqual(
      expect.arrayContaining(['journey.published', 'member.invited']),
    );
  });

  it('the last admin cannot be removed or demoted', async () => {
    const admin = app.services.caller();
    const me = (await admin.accounts.me())!;
    const admins = (await admin.accounts.members()).filter((member) => member.role === 'admin');
    for (const other of admins.filter((member) => member.id !== me.userId))
      await admin.accounts.setRole({ userId: other.id, role: 'viewer' });
    await expect(admin.accounts.setRole({ userId: me.userId, role: 'viewer' })).rejects.toThrow(/last admin/);
  });
});

describe('passwords and login limits', () => {
  it('a password hashed with weaker parameters still logs in and is rehashed at OWASP strength', async () => {
    const { scryptSync, randomBytes } = await import('node:crypto');
    const salt = randomBytes(16);
    const old = `scrypt$16384$${salt.toString('base64')}$${scryptSync('an old but fine password', salt, 32, { N: 16_384, r: 8, p: 1 }).toString('base64')}`;
    const user = await app.services.db
      .insertInto('users')
      .values({ email: 'legacy@example.com', password_hash: old })
      .returning('id')
      .executeTakeFirstOrThrow();
    await app.services.db
      .insertInto('memberships')
      .values({ user_id: user.id, workspace_id: app.services.defaultWorkspaceId, role: 'viewer' })
      .execute();
    expect(
      (await post('/auth/login', { email: 'legacy@example.com', password: 'an old but fine password' }))
        .status,
    ).toBe(200);
    const stored = await app.services.db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(stored.password_hash).toMatch(/^scrypt\$131072\$/);
    expect(
      (await post('/auth/login', { email: 'legacy@example.com', password: 'an old but fine password' }))
        .status,
    ).toBe(200);
    expect((await post('/auth/login', { email: 'legacy@example.com', password: 'wrong' })).status).toBe(401);
  });

  // Last in the file: it uses up this address's login attempts.
  it('a user changes his password: the current one is checked, his other sessions end, this one stays', async () => {
    const owner = { email: 'owner@example.com', password: 'a long enough password' };
    // Two sessions of the owner (as two logins make them; logins here are spent on the rate-limit tests).
    const [here, elsewhere] = [await sessionOf('owner'), await sessionOf('owner')];
    const change = (cookie: string, current: string, next: string) =>
      fetch(`${app.url}/trpc/accounts.changePassword`, {
        method: 'POST',
        headers: { cookie, 'Content-Type': 'application/json', 'x-waymark-csrf': '1' },
        body: JSON.stringify({ current, next }),
      });
    const userOf = async (cookie: string) =>
      (
        (await (await fetch(`${app.url}/auth/status`, { headers: { cookie } })).json()) as {
          user: { email: string } | null;
        }
      ).user;
    expect((await change(here, 'not my password', 'the next long password')).status).toBe(400);
    expect((await change(here, owner.password, 'short')).status).toBe(400);
    expect(await userOf(elsewhere)).toMatchObject({ email: owner.email }); // nothing changed yet
    expect((await change(here, owner.password, 'the next long password')).status).toBe(200);
    expect(await userOf(here)).toMatchObject({ email: owner.email });
    expect(await userOf(elsewhere)).toBeNull(); // the other session ended with the old password
    expect((await post('/auth/login', owner)).status).toBe(401);
    expect((await change(here, 'the next long password', owner.password)).status).toBe(200);
  });

  it("an admin issues a one-time reset link: it sets a new password, ends the member's sessions and signs him in", async () => {
    const admin = await sessionOf('admin');
    const trpc = async (procedure: string, input: unknown, cookie = admin) => {
      const response = await fetch(`${app.url}/trpc/${procedure}`, {
        method: 'POST',
        headers: { cookie, 'Content-Type': 'application/json', 'x-waymark-csrf': '1' },
        body: JSON.stringify(input),
      });
      return {
        status: response.status,
        data: ((await response.json()) as { result?: { data: any } }).result?.data,
      };
    };
    const invite = await trpc('accounts.invite', { role: 'editor' });
    const joined = await post(`/auth/invite/${invite.data.token}`, {
      email: 'forgetful@example.com',
      password: 'a password soon forgotten',
    });
    const memberSession = joined.headers.get('set-cookie')!.split(';')[0];
    const members = (await (
      await fetch(`${app.url}/trpc/accounts.members`, { headers: { cookie: admin } })
    ).json()) as { result: { data: Array<{ id: string; email: string }> } };
    const member = members.result.data.find((entry) => entry.email === 'forgetful@example.com')!;
    // Only an admin issues one.
    expect((await trpc('accounts.resetLink', { userId: member.id }, memberSession)).status).toBe(403);
    const link = await trpc('accounts.resetLink', { userId: member.id });
    expect(link.data.path).toMatch(/^\/reset\/[A-Za-z0-9_-]{40,}$/);
    const resetPath = link.data.path.replace('/reset/', '/auth/reset/');
    expect((await post(resetPath, { password: 'short' })).status).toBe(400);
    const reset = await post(resetPath, { password: 'a brand new password' });
    expect(reset.status).toBe(200);
    expect(await reset.json()).toMatchObject({ user: { email: 'forgetful@example.com', role: 'editor' } });
    expect((await post(resetPath, { password: 'yet another password' })).status).toBe(404); // once
    expect(
      (
        (await (await fetch(`${app.url}/auth/status`, { headers: { cookie: memberSession } })).json()) as {
          user: unknown;
        }
      ).user,
    ).toBeNull();
    expect(
      (await post('/auth/login', { email: 'forgetful@example.com', password: 'a brand new password' }))
        .status,
    ).toBe(200);
    const audit = (await (
      await fetch(`${app.url}/trpc/accounts.audit`, { headers: { cookie: admin } })
    ).json()) as { result: { data: Array<{ action: string }> } };
    expect(audit.result.data.map((entry) => entry.action)).toEqual(
      expect.arrayContaining(['member.password_reset_issued', 'account.password_reset']),
    );
  });

  it('one address trying many different emails is slowed down with 429, not given an scrypt per guess', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 45; attempt++)
      statuses.push(
        (await post('/auth/login', { email: `guess-${attempt}@example.com`, password: 'a guess' })).status,
      );
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(10);
    expect(statuses.slice(0, 10).every((status) => status === 401)).toBe(true);
  }, 60_000);
});
