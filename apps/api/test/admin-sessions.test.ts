import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_IDLE_MS, SESSION_MAX_AGE_MS } from '../src/staff/sessions';
import { startTestApp, type TestApp } from './helpers';
import { createStaff, type Staff, sessionCookieFrom, trpcHttp } from './support/admin';

// The admin API over real HTTP, as the SPA uses it: tRPC at /trpc, the session in an HttpOnly,
// SameSite=Strict cookie, and the CSRF header on every request.

let t: TestApp;
let finance: Staff;
let admin: Staff;

beforeAll(async () => {
  t = await startTestApp();
  finance = await createStaff(t.db, 'finance');
  admin = await createStaff(t.db, 'admin');
});
afterAll(() => t?.close());

const query = (path: string, input?: unknown, cookie?: string | null) =>
  trpcHttp(t.baseUrl, 'query', path, input, { cookie: cookie ?? null });
const mutation = (path: string, input?: unknown, cookie?: string | null) =>
  trpcHttp(t.baseUrl, 'mutation', path, input, { cookie: cookie ?? null });

/** Signs in over HTTP and returns the session cookie's value. */
async function signIn(staff: Staff): Promise<string> {
  const answer = await mutation('auth.signIn', {
    email: staff.user.email,
    password: staff.password,
  });
  expect(answer.status).toBe(200);
  const cookie = sessionCookieFrom(answer.setCookies);
  if (!cookie?.value) throw new Error('no session cookie');
  return cookie.value;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/** A signed-in request works with this cookie; a refused one answers 401 and `me` is null. */
async function expectSignedIn(cookie: string, staff: Staff) {
  expect((await query('auth.me', undefined, cookie)).data).toEqual(staff.user);
  expect((await query('batches.list', {}, cookie)).status).toBe(200);
}
async function expectRefused(cookie: string) {
  const me = await query('auth.me', undefined, cookie);
  expect(me.status).toBe(200);
  expect(me.data).toBeNull();
  const list = await query('batches.list', {}, cookie);
  expect(list.status).toBe(401);
  expect(list.error?.data.code).toBe('UNAUTHORIZED');
}

describe('admin sessions over HTTP', () => {
  it('signs in with the right password: an HttpOnly, SameSite=Strict cookie that auth.me knows', async () => {
    const answer = await mutation('auth.signIn', {
      // e-mails are matched case-insensitively
      email: finance.user.email.toUpperCase(),
      password: finance.password,
    });
    expect(answer.status).toBe(200);
    expect(answer.data).toEqual({ user: finance.user });

    const cookie = sessionCookieFrom(answer.setCookies);
    expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    const attributes = cookie?.attributes.map((a) => a.toLowerCase()) ?? [];
    expect(attributes).toContain('httponly');
    expect(attributes).toContain('samesite=strict');
    expect(attributes).toContain('path=/');
    const expires = attributes.find((a) => a.startsWith('expires='));
    const expiresAt = Date.parse(expires?.slice('expires='.length) ?? '');
    expect(Math.abs(expiresAt - (Date.now() + SESSION_MAX_AGE_MS))).toBeLessThan(60_000);

    const token = cookie?.value ?? '';
    await expectSignedIn(token, finance);
    // The database holds the token's hash, never the token.
    const session = await t.db.adminSession.findUniqueOrThrow({
      where: { tokenHash: hashOf(token) },
    });
    expect(session.userId).toBe(finance.user.id);
    expect(JSON.stringify(session)).not.toContain(token);
    const user = await t.db.adminUser.findUniqueOrThrow({ where: { id: finance.user.id } });
    expect(user.lastLoginAt).not.toBeNull();
  });

  it('answers a wrong password, an unknown e-mail and a disabled user alike, with no cookie', async () => {
    const disabled = await createStaff(t.db, 'finance', { disabled: true });
    const sessionsBefore = await t.db.adminSession.count();
    const answers = [
      await mutation('auth.signIn', { email: finance.user.email, password: 'not the password' }),
      await mutation('auth.signIn', { email: 'nobody@batchreel.test', password: finance.password }),
      await mutation('auth.signIn', { email: disabled.user.email, password: disabled.password }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.error?.data.code).toBe('UNAUTHORIZED');
      expect(answer.error?.message).toBe('Wrong e-mail or password.');
      expect(answer.error?.data.reason).toBe('wrong_credentials');
      expect(sessionCookieFrom(answer.setCookies)).toBeNull();
    }
    expect(await t.db.adminSession.count()).toBe(sessionsBefore);
  });

  it('names the reason of a refusal and its values, for the admin to say it in its language', async () => {
    const support = await createStaff(t.db, 'support');
    const cookie = await signIn(support);
    const ledger = await query('ledger.list', {}, cookie);
    expect(ledger.status).toBe(403);
    expect(ledger.error?.data).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'role_required',
      params: { role: 'finance', current: 'support' },
    });
    const missing = await query('batches.get', { batchId: crypto.randomUUID() }, cookie);
    expect(missing.error?.data).toMatchObject({ code: 'NOT_FOUND', reason: 'batch_not_found' });
    // Input problems have no reason: the field and message are in `details`.
    const bad = await query('batches.list', { idPrefix: 'zz' }, cookie);
    expect(bad.error?.data).toMatchObject({ code: 'BAD_REQUEST', reason: null });
  });

  it('signs out: the session is revoked, the cookie cleared and no longer accepted', async () => {
    const cookie = await signIn(finance);
    await expectSignedIn(cookie, finance);

    const out = await mutation('auth.signOut', undefined, cookie);
    expect(out.status).toBe(200);
    expect(out.data).toEqual({ ok: true });
    const cleared = sessionCookieFrom(out.setCookies);
    expect(cleared?.value).toBe('');
    const session = await t.db.adminSession.findUniqueOrThrow({
      where: { tokenHash: hashOf(cookie) },
    });
    expect(session.revokedAt).not.toBeNull();

    // A copy of the cookie kept by someone else is worthless now.
    await expectRefused(cookie);
    expect((await mutation('auth.signOut', undefined, cookie)).status).toBe(401);
  });

  it('refuses an expired session and one idle for too long; activity keeps a session alive', async () => {
    const expired = await signIn(finance);
    await t.db.adminSession.update({
      where: { tokenHash: hashOf(expired) },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    await expectRefused(expired);

    const idle = await signIn(finance);
    await t.db.adminSession.update({
      where: { tokenHash: hashOf(idle) },
      data: { lastSeenAt: new Date(Date.now() - SESSION_IDLE_MS - 60_000) },
    });
    await expectRefused(idle);

    // Seen 30 minutes ago: still valid, and using it moves last_seen_at to now.
    const active = await signIn(finance);
    const halfHourAgo = new Date(Date.now() - 30 * 60_000);
    await t.db.adminSession.update({
      where: { tokenHash: hashOf(active) },
      data: { lastSeenAt: halfHourAgo },
    });
    await expectSignedIn(active, finance);
    const touched = await t.db.adminSession.findUniqueOrThrow({
      where: { tokenHash: hashOf(active) },
    });
    expect(touched.lastSeenAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it("stops a disabled user's sessions at once", async () => {
    // Disabled by an admin through the app: every session of theirs ends.
    const colleague = await createStaff(t.db, 'support');
    const cookie = await signIn(colleague);
    await expectSignedIn(cookie, colleague);
    const adminCookie = await signIn(admin);
    const update = await mutation(
      'users.update',
      { userId: colleague.user.id, disabled: true },
      adminCookie,
    );
    expect(update.status).toBe(200);
    await expectRefused(cookie);

    // Disabled in the database without touching the sessions: still refused.
    const other = await createStaff(t.db, 'finance');
    const otherCookie = await signIn(other);
    await expectSignedIn(otherCookie, other);
    await t.db.adminUser.update({ where: { id: other.user.id }, data: { disabledAt: new Date() } });
    await expectRefused(otherCookie);
    const session = await t.db.adminSession.findUniqueOrThrow({
      where: { tokenHash: hashOf(otherCookie) },
    });
    expect(session.revokedAt).toBeNull();
  });

  it('refuses any request without the CSRF header with 403, even with a valid cookie', async () => {
    const cookie = await signIn(finance);
    const sessionsBefore = await t.db.adminSession.count();
    for (const csrf of [false, '0', 'true'] as const) {
      const me = await trpcHttp(t.baseUrl, 'query', 'auth.me', undefined, { cookie, csrf });
      expect(me.status).toBe(403);
      // In tRPC's error shape, so the SPA's client reads it like any other refusal.
      expect(me.error?.message).toBe('Missing x-batchreel-admin header.');
      expect(me.error?.data?.code).toBe('FORBIDDEN');
      const list = await trpcHttp(t.baseUrl, 'query', 'batches.list', {}, { cookie, csrf });
      expect(list.status).toBe(403);
      const signInAnswer = await trpcHttp(
        t.baseUrl,
        'mutation',
        'auth.signIn',
        { email: finance.user.email, password: finance.password },
        { csrf },
      );
      expect(signInAnswer.status).toBe(403);
      expect(sessionCookieFrom(signInAnswer.setCookies)).toBeNull();
    }
    expect(await t.db.adminSession.count()).toBe(sessionsBefore);
    // The same cookie with the header still works: the refusals above were the header's doing.
    await expectSignedIn(cookie, finance);
  });
});
