import type { Database } from '@batchreel/db';
import type { Logger } from '../platform/logger';
import type { WebhookTargetPolicy } from '../platform/outbound';
import type { Queue } from '../platform/queue';
import type { StaffUser } from '../staff/identity';
import { resolveSession } from '../staff/sessions';
import type { Context } from './trpc';

export interface ContextInput {
  db: Database;
  queue: Queue;
  logger: Logger;
  config?: WebhookTargetPolicy;
  /** The session cookie's token, when the request carried one. */
  sessionToken?: string | undefined;
  ip?: string;
  setSessionCookie?: (token: string, expiresAt: Date) => void;
  clearSessionCookie?: () => void;
}

/** Builds a procedure context from a request's parts; tests call it without HTTP. */
export async function createContext(input: ContextInput): Promise<Context> {
  const session = await resolveSession(input.db, input.sessionToken);
  return {
    db: input.db,
    queue: input.queue,
    logger: session ? input.logger.child({ staffUserId: session.user.id }) : input.logger,
    user: session?.user ?? null,
    sessionId: session?.sessionId ?? null,
    config: input.config ?? { allowPrivateNetworks: false },
    ip: input.ip ?? 'unknown',
    setSessionCookie: input.setSessionCookie ?? (() => {}),
    clearSessionCookie: input.clearSessionCookie ?? (() => {}),
  };
}

/** A context for a given staff member, for tests and scripts (no session involved). */
export function contextFor(
  deps: Pick<ContextInput, 'db' | 'queue' | 'logger' | 'config'>,
  user: StaffUser | null,
): Context {
  return {
    config: { allowPrivateNetworks: false },
    ...deps,
    user,
    sessionId: null,
    ip: 'test',
    setSessionCookie: () => {},
    clearSessionCookie: () => {},
  };
}
