// Accounts: the first user sets up the workspace; more people join by invitation with a role.
// Sessions are random tokens kept as SHA-256 hashes; roles are checked on every procedure.
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Executor } from '../db/database';
import type { Role } from '../db/schema';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../errors';
import { hashPassword, needsRehash, unknownUserHash, verifyPassword } from './passwords';
import { minPasswordLength } from '../../shared/passwords';

export const roles: Role[] = ['viewer', 'editor', 'publisher', 'admin'];
export const sessionDays = 14;

export interface SessionUser {
  userId: string;
  email: string;
  name: string | null;
  workspaceId: string;
  role: Role;
}

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');
const newToken = () => randomBytes(32).toString('base64url');

export function roleAtLeast(role: Role, needed: Role): boolean {
  return roles.indexOf(role) >= roles.indexOf(needed);
}

function checkPassword(password: string): void {
  if (password.length < minPasswordLength)
    throw new InvalidInputError('password', `a password has at least ${minPasswordLength} characters`);
}

export async function needsSetup(db: Executor): Promise<boolean> {
  return !(await db.selectFrom('users').select('id').limit(1).executeTakeFirst());
}

async function createUser(
  db: Executor,
  email: string,
  password: string,
  name: string | null,
): Promise<string> {
  checkPassword(password);
  const existing = await db
    .selectFrom('users')
    .select('id')
    .where('email', '=', email.toLowerCase())
    .executeTakeFirst();
  if (existing) throw new ConflictError('an account with this email exists; log in instead');
  const user = await db
    .insertInto('users')
    .values({ email: email.toLowerCase(), name, password_hash: await hashPassword(password) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return user.id;
}

/** The first person to sign up becomes the workspace's admin; afterwards sign-up is by invitation only. */
export async function signUpFirstUser(
  db: Executor,
  workspaceId: string,
  input: { email: string; password: string; name?: string },
): Promise<string> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended('waymark:first-user', 0))`.execute(db);
  if (!(await needsSetup(db)))
    throw new ForbiddenError('this Waymark is set up already; ask an admin for an invitation');
  const userId = await createUser(db, input.email, input.password, input.name ?? null);
  await db
    .insertInto('memberships')
    .values({ user_id: userId, workspace_id: workspaceId, role: 'admin' })
    .execute();
  await audit(db, workspaceId, userId, 'workspace.created', { email: input.email });
  return startSession(db, userId, workspaceId);
}

/** WAYMARK_ADMIN_EMAIL / _PASSWORD: an admin for a first start without a UI step. */
export async function ensureSeedAdmin(
  db: Executor,
  workspaceId: string,
  email: string,
  password: string,
): Promise<void> {
  // Several processes may start at once (an API and workers): the first insert wins, the rest read it.
  const existing = await db
    .selectFrom('users')
    .select('id')
    .where('email', '=', email.toLowerCase())
    .executeTakeFirst();
  let userId = existing?.id;
  if (!userId) {
    checkPassword(password);
    await db
      .insertInto('users')
      .values({ email: email.toLowerCase(), name: null, password_hash: await hashPassword(password) })
      .onConflict((oc) => oc.column('email').doNothing())
      .execute();
    userId = (
      await db
        .selectFrom('users')
        .select('id')
        .where('email', '=', email.toLowerCase())
        .executeTakeFirstOrThrow()
    ).id;
  }
  await db
    .insertInto('memberships')
    .values({ user_id: userId, workspace_id: workspaceId, role: 'admin' })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function startSession(db: Executor, userId: string, workspaceId: string): Promise<string> {
  const token = newToken();
  await db
    .insertInto('sessions')
    .values({
      token_hash: tokenHash(token),
      user_id: userId,
      workspace_id: workspaceId,
      expires_at: new Date(Date.now() + sessionDays * 86_400_000),
    })
    .execute();
  return token;
}

export async function login(db: Executor, email: string, password: string): Promise<string | null> {
  const user = await db
    .selectFrom('users')
    .select(['id', 'password_hash'])
    .where('email', '=', email.toLowerCase())
    .executeTakeFirst();
  // A wrong email costs as much as a wrong password: no telling which accounts exist.
  const ok = await verifyPassword(password, user?.password_hash ?? unknownUserHash);
  if (!user || !ok) return null;
  // Made with weaker parameters: replaced now, while the password is at hand.
  if (needsRehash(user.password_hash))
    await db
      .updateTable('users')
      .set({ password_hash: await hashPassword(password) })
      .where('id', '=', user.id)
      .execute();
  const membership = await db
    .selectFrom('memberships')
    .select('workspace_id')
    .where('user_id', '=', user.id)
    .orderBy('workspace_id')
    .executeTakeFirst();
  if (!membership) return null;
  return startSession(db, user.id, membership.workspace_id);
}

export async function sessionUser(db: Executor, token: string | undefined): Promise<SessionUser | null> {
  if (!token) return null;
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .innerJoin('memberships as m', (join) =>
      join.onRef('m.user_id', '=', 's.user_id').onRef('m.workspace_id', '=', 's.workspace_id'),
    )
    .select(['u.id', 'u.email', 'u.name', 's.workspace_id', 'm.role'])
    .where('s.token_hash', '=', tokenHash(token))
    .where('s.expires_at', '>', new Date())
    .executeTakeFirst();
  return row
    ? { userId: row.id, email: row.email, name: row.name, workspaceId: row.workspace_id, role: row.role }
    : null;
}

export async function logout(db: Executor, token: string | undefined): Promise<void> {
  if (token) await db.deleteFrom('sessions').where('token_hash', '=', tokenHash(token)).execute();
}

export async function createInvite(
  db: Executor,
  workspaceId: string,
  role: Role,
  createdBy: string,
): Promise<string> {
  const token = newToken();
  await db
    .insertInto('invites')
    .values({
      token_hash: tokenHash(token),
      workspace_id: workspaceId,
      role,
      created_by: createdBy,
      expires_at: new Date(Date.now() + 7 * 86_400_000),
    })
    .execute();
  await audit(db, workspaceId, createdBy, 'member.invited', { role });
  return token;
}

/** Accepting an invitation creates the account (or adds the role to an existing one, with its password). */
export async function acceptInvite(
  db: Executor,
  token: string,
  input: { email: string; password: string; name?: string },
): Promise<string> {
  const invite = await db
    .selectFrom('invites')
    .selectAll()
    .where('token_hash', '=', tokenHash(token))
    .where('accepted_at', 'is', null)
    .where('expires_at', '>', new Date())
    .forUpdate()
    .executeTakeFirst();
  if (!invite) throw new NotFoundError('invitation', 'link');
  const user = await db
    .selectFrom('users')
    .select(['id', 'password_hash'])
    .where('email', '=', input.email.toLowerCase())
    .executeTakeFirst();
  if (user && !(await verifyPassword(input.password, user.password_hash)))
    throw new ForbiddenError('this email has an account: use its password to accept');
  const userId = user?.id ?? (await createUser(db, input.email, input.password, input.name ?? null));
  await db
    .insertInto('memberships')
    .values({ user_id: userId, workspace_id: invite.workspace_id, role: invite.role })
    .onConflict((oc) => oc.columns(['user_id', 'workspace_id']).doUpdateSet({ role: invite.role }))
    .execute();
  await db
    .updateTable('invites')
    .set({ accepted_at: new Date() })
    .where('token_hash', '=', invite.token_hash)
    .execute();
  await audit(db, invite.workspace_id, userId, 'member.joined', { email: input.email, role: invite.role });
  return startSession(db, userId, invite.workspace_id);
}

/**
 * A signed-in user changes his password: the current one is checked, and every other session of
 * his ends (a session someone else may have is gone with the old password).
 */
export async function changePassword(
  db: Executor,
  userId: string,
  sessionToken: string | undefined,
  current: string,
  next: string,
): Promise<void> {
  const user = await db
    .selectFrom('users')
    .select('password_hash')
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!user || !(await verifyPassword(current, user.password_hash)))
    throw new InvalidInputError('current', 'the current password is not right');
  checkPassword(next);
  await db
    .updateTable('users')
    .set({ password_hash: await hashPassword(next) })
    .where('id', '=', userId)
    .execute();
  await db
    .deleteFrom('sessions')
    .where('user_id', '=', userId)
    .where('token_hash', '<>', sessionToken ? tokenHash(sessionToken) : '')
    .execute();
  const membership = await db
    .selectFrom('memberships')
    .select('workspace_id')
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (membership) await audit(db, membership.workspace_id, userId, 'account.password_changed');
}

/** Password reset links are valid this long, and once. */
export const resetHours = 24;

/** An admin issues a reset link for a member of his workspace (shown once, to hand over in person or by mail). */
export async function createPasswordReset(
  db: Executor,
  workspaceId: string,
  adminId: string,
  userId: string,
): Promise<{ token: string; expiresAt: Date }> {
  const member = await db
    .selectFrom('memberships')
    .select('user_id')
    .where('workspace_id', '=', workspaceId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!member) throw new NotFoundError('member', userId);
  const token = newToken();
  const expiresAt = new Date(Date.now() + resetHours * 3_600_000);
  await db
    .insertInto('password_resets')
    .values({
      token_hash: tokenHash(token),
      user_id: userId,
      workspace_id: workspaceId,
      created_by: adminId,
      expires_at: expiresAt,
    })
    .execute();
  await audit(db, workspaceId, adminId, 'member.password_reset_issued', { userId });
  return { token, expiresAt };
}

/** Using a reset link: the new password is set, every session of the user ends, and a new one starts. */
export async function resetPassword(db: Executor, token: string, password: string): Promise<string> {
  const reset = await db
    .selectFrom('password_resets')
    .selectAll()
    .where('token_hash', '=', tokenHash(token))
    .where('used_at', 'is', null)
    .where('expires_at', '>', new Date())
    .forUpdate()
    .executeTakeFirst();
  if (!reset) throw new NotFoundError('password reset', 'link');
  checkPassword(password);
  await db
    .updateTable('users')
    .set({ password_hash: await hashPassword(password) })
    .where('id', '=', reset.user_id)
    .execute();
  await db
    .updateTable('password_resets')
    .set({ used_at: new Date() })
    .where('token_hash', '=', reset.token_hash)
    .execute();
  await db.deleteFrom('sessions').where('user_id', '=', reset.user_id).execute();
  await audit(db, reset.workspace_id, reset.user_id, 'account.password_reset');
  return startSession(db, reset.user_id, reset.workspace_id);
}

export async function listMembers(db: Executor, workspaceId: string) {
  return db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['u.id', 'u.email', 'u.name', 'm.role'])
    .where('m.workspace_id', '=', workspaceId)
    .orderBy('u.email')
    .execute();
}

export async function setRole(
  db: Executor,
  workspaceId: string,
  actor: string,
  userId: string,
  role: Role | null,
): Promise<void> {
  const member = await db
    .selectFrom('memberships')
    .select('role')
    .where('workspace_id', '=', workspaceId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!member) throw new NotFoundError('member', userId);
  const admins = await db
    .selectFrom('memberships')
    .select('user_id')
    .where('workspace_id', '=', workspaceId)
    .where('role', '=', 'admin')
    .execute();
  if (admins.length === 1 && admins[0].user_id === userId && role !== 'admin')
    throw new ConflictError('the last admin cannot be removed or demoted');
  if (role)
    await db
      .updateTable('memberships')
      .set({ role })
      .where('workspace_id', '=', workspaceId)
      .where('user_id', '=', userId)
      .execute();
  else {
    await db
      .deleteFrom('memberships')
      .where('workspace_id', '=', workspaceId)
      .where('user_id', '=', userId)
      .execute();
    await db
      .deleteFrom('sessions')
      .where('workspace_id', '=', workspaceId)
      .where('user_id', '=', userId)
      .execute();
  }
  await audit(db, workspaceId, actor, role ? 'member.role-changed' : 'member.removed', { userId, role });
}

export async function audit(
  db: Executor,
  workspaceId: string,
  userId: string | null,
  action: string,
  details: Record<string, unknown> = {},
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({ workspace_id: workspaceId, user_id: userId, action, details: JSON.stringify(details) })
    .execute();
}

export async function listAudit(db: Executor, workspaceId: string, limit = 100) {
  return db
    .selectFrom('audit_log as a')
    .leftJoin('users as u', 'u.id', 'a.user_id')
    .select(['a.id', 'a.action', 'a.details', 'a.at', 'u.email'])
    .where('a.workspace_id', '=', workspaceId)
    .orderBy('a.id', 'desc')
    .limit(limit)
    .execute();
}
