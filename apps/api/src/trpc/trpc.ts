import type { Database } from '@batchreel/db';
import { initTRPC } from '@trpc/server';
import superjson from 'superjson';
import { z } from 'zod';
import type { Logger } from '../platform/logger';
import type { WebhookTargetPolicy } from '../platform/outbound';
import type { Queue } from '../platform/queue';
import { hasRole, type StaffRole, type StaffUser } from '../staff/identity';
import { StaffErrorCause, staffError } from './errors';

/**
 * What every procedure sees. Built by `createContext` (trpc/context.ts) from a request, or by
 * tests directly, without HTTP.
 */
export interface Context {
  db: Database;
  queue: Queue;
  logger: Logger;
  user: StaffUser | null;
  sessionId: string | null;
  /** The server's configuration that procedures share with the public API. */
  config: WebhookTargetPolicy;
  /** Client address, for the audit trail of sign-ins. */
  ip: string;
  /** Sets / clears the session cookie on the answer (a no-op outside HTTP). */
  setSessionCookie(token: string, expiresAt: Date): void;
  clearSessionCookie(): void;
}

const t = initTRPC.context<Context>().create({
  // Dates (filters in, timestamps out) survive the wire as Dates; the admin client uses it too.
  transformer: superjson,
  errorFormatter({ shape, error }) {
    // Input problems carry their paths, like the public API's `details`.
    const issues = error.cause instanceof z.ZodError ? error.cause.issues : null;
    return {
      ...shape,
      data: {
        ...shape.data,
        stack: undefined,
        details: issues?.map((i) => ({ path: i.path.join('.'), message: i.message })) ?? null,
        // The admin translates the refusal by its reason; the message stays for everyone else.
        reason: error.cause instanceof StaffErrorCause ? error.cause.reason : null,
        params: error.cause instanceof StaffErrorCause ? error.cause.params : null,
      },
    };
  },
});

export const router = t.router;
export const mergeRouters = t.mergeRouters;
export const createCallerFactory = t.createCallerFactory;

/** Anyone (signing in, asking who one is). */
export const publicProcedure = t.procedure;

/** Any signed-in staff member. */
export const staffProcedure = t.procedure.use(({ ctx, next }) => {
  if (!ctx.user) throw staffError('UNAUTHORIZED', 'sign_in_first', 'Sign in first.');
  return next({ ctx: { ...ctx, user: ctx.user } });
});

/**
 * Procedures for a role and above. Enforced here, on the server: the admin app hiding a button
 * is a convenience, not the control.
 */
export function roleProcedure(role: StaffRole) {
  return staffProcedure.use(({ ctx, next }) => {
    if (!hasRole(ctx.user, role)) {
      throw staffError(
        'FORBIDDEN',
        'role_required',
        `This needs the ${role} role; you are ${ctx.user.role}.`,
        { role, current: ctx.user.role },
      );
    }
    return next({ ctx });
  });
}

/** Read batches, tasks, failed-task search, webhook deliveries. */
export const supportProcedure = roleProcedure('support');
/** Ledger, exports, dashboard, top-ups and adjustments, audit log, integrity. */
export const financeProcedure = roleProcedure('finance');
/** Users, API keys, onboarding. */
export const adminProcedure = roleProcedure('admin');
