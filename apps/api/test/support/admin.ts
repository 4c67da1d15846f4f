import { randomUUID } from 'node:crypto';
import type { Database } from '@batchreel/db';
import { TRPCError } from '@trpc/server';
import { expect } from 'vitest';
import { appRouter } from '../../src/app/trpc-router';
import { createLogger } from '../../src/platform/logger';
import type { StaffRole, StaffUser } from '../../src/staff/identity';
import { hashPassword } from '../../src/staff/passwords';
import { SESSION_COOKIE } from '../../src/staff/sessions';
import { contextFor } from '../../src/trpc/context';
import { CSRF_HEADER } from '../../src/trpc/csrf';
import { createCallerFactory } from '../../src/trpc/trpc';
import type { TestApp } from '../helpers';

/** A staff member in the database, with the password to sign in with. */
export interface Staff {
  user: StaffUser;
  password: string;
}

/** Creates a staff user (Argon2id hash like the real ones); `disabled` for a disabled user. */
export async function createStaff(
  db: Database,
  role: StaffRole,
  overrides: { email?: string; password?: string; disabled?: boolean } = {},
): Promise<Staff> {
  const password = overrides.password ?? `pw-${randomUUID()}`;
  const row = await db.adminUser.create({
    data: {
      email: overrides.email ?? `${role}-${randomUUID().slice(0, 8)}@batchreel.test`,
      displayName: `Test ${role}`,
      role,
      passwordHash: await hashPassword(password),
      ...(overrides.disabled ? { disabledAt: new Date() } : {}),
    },
  });
  return {
    user: { id: row.id, email: row.email, displayName: row.displayName, role: row.role },
    password,
  };
}

const createCaller = createCallerFactory(appRouter);
// Procedures log through ctx.logger (e.g. a refused sign-in); tests keep quiet.
const silentLogger = createLogger({ LOG_LEVEL: 'silent' });

/**
 * A tRPC caller acting for `user` (null: signed out), without HTTP; `config` as the server's
 * (e.g. private networks allowed for a local webhook receiver).
 */
export function callerFor(
  t: Pick<TestApp, 'db' | 'queue'>,
  user: StaffUser | null,
  config?: { allowPrivateNetworks: boolean },
) {
  return createCaller(
    contextFor(
      { db: t.db, queue: t.queue, logger: silentLogger, ...(config ? { config } : {}) },
      user,
    ),
  );
}

/** The TRPCError code a call failed with, or 'OK' when it succeeded. */
export async function outcomeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'OK';
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
}

/** Expects the call to fail with a TRPCError of this code; returns the error. */
export async function expectTrpcError(call: Promise<unknown>, code: TRPCError['code']) {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(TRPCError);
  expect((error as TRPCError).code).toBe(code);
  return error as TRPCError;
}

// ---------------------------------------------------------------------------------------------
// tRPC over real HTTP, as the admin SPA speaks it

// Whatever transformer trpc.ts configures (superjson or none), encode and decode like its client.
const transformer = appRouter._def._config.transformer;

export interface TrpcAnswer {
  status: number;
  /** `result.data` of a success, decoded. */
  data: unknown;
  /** `error` of a failure, decoded (its `data.code` is the tRPC code, e.g. UNAUTHORIZED). */
  error: {
    message: string;
    data: {
      code: string;
      httpStatus: number;
      /** Why, as a key the admin app translates (`src/trpc/errors.ts`), and its values. */
      reason?: string | null;
      params?: Record<string, string | number> | null;
    };
  } | null;
  setCookies: string[];
}

/**
 * Calls a procedure at `/trpc/<path>` like the SPA: a query is a GET with `?input=`, a mutation a
 * POST with a JSON body, with the CSRF header (unless `csrf: false`) and the session cookie.
 */
export async function trpcHttp(
  baseUrl: string,
  type: 'query' | 'mutation',
  path: string,
  input?: unknown,
  options: { cookie?: string | null; csrf?: string | false } = {},
): Promise<TrpcAnswer> {
  const headers: Record<string, string> = {};
  if (options.csrf !== false) headers[CSRF_HEADER] = options.csrf ?? '1';
  if (options.cookie) headers.cookie = `${SESSION_COOKIE}=${options.cookie}`;
  const encoded = input === undefined ? undefined : transformer.input.serialize(input);
  let response: Response;
  if (type === 'query') {
    const query =
      encoded === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(encoded))}`;
    response = await fetch(`${baseUrl}/trpc/${path}${query}`, { headers });
  } else {
    response = await fetch(`${baseUrl}/trpc/${path}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: encoded === undefined ? '' : JSON.stringify(encoded),
    });
  }
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: the envelope is read field by field below
  let body: any = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = { raw: text };
  }
  return {
    status: response.status,
    data: body?.result ? transformer.output.deserialize(body.result.data) : undefined,
    error: body?.error ? transformer.output.deserialize(body.error) : null,
    setCookies: response.headers.getSetCookie(),
  };
}

/** The session cookie's value in a Set-Cookie list (null when none; '' when it was cleared). */
export function sessionCookieFrom(
  setCookies: string[],
): { value: string; attributes: string[] } | null {
  for (const header of setCookies) {
    const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
    const eq = pair.indexOf('=');
    if (pair.slice(0, eq) === SESSION_COOKIE) {
      return { value: decodeURIComponent(pair.slice(eq + 1)), attributes };
    }
  }
  return null;
}
