// The demo webhook receiver: a client's webhook endpoint that this service plays itself, so
// `pnpm demo` (and anyone trying the API) sees a real signed delivery arrive and verify on a
// machine without internet and with the SSRF guard fully on. It is served, and allowed as a
// webhook target, only with the demo data (`SEED_DEMO`) or `DEMO_WEBHOOK_RECEIVER=true`.
import type { Database } from '@batchreel/db';
import { verifyWebhook, WEBHOOK_HEADERS, WebhookVerificationError } from '@batchreel/webhooks';
import { isUuid } from '../platform/ids';
import type { OwnEndpoint } from '../platform/outbound';

/** Where the receiver is mounted: `POST {path}{account_id}` receives, `GET {path}` lists. */
export const DEMO_RECEIVER_PATH = '/demo/webhook-receiver/';
/** Receipts kept per account (older ones are dropped as new ones arrive). */
const KEPT_PER_ACCOUNT = 50;
/** What is kept of a delivery's headers: enough to verify it again. */
const KEPT_HEADERS = [
  WEBHOOK_HEADERS.id,
  WEBHOOK_HEADERS.timestamp,
  WEBHOOK_HEADERS.signature,
  'content-type',
  'user-agent',
];

/**
 * The receiver as seen from outside, under the service's public address (`PUBLIC_BASE_URL`, else
 * `http://localhost:PORT`): the one endpoint the outbound guard lets webhooks reach here.
 */
export function demoReceiverEndpoint(publicBaseUrl: string): OwnEndpoint {
  const base = new URL(publicBaseUrl);
  return {
    origin: base.origin,
    pathPrefix: `${base.pathname.replace(/\/+$/, '')}${DEMO_RECEIVER_PATH}`,
  };
}

/** The `webhook_url` that delivers an account's events to the demo receiver. */
export const demoReceiverUrl = (endpoint: OwnEndpoint, accountId: string) =>
  `${endpoint.origin}${endpoint.pathPrefix}${accountId}`;

export type ReceiveOutcome =
  | { verified: true; eventId: string; eventType: string }
  | { verified: false; status: 400 | 404; error: string; message: string };

/**
 * Verifies a delivery for `accountId` against that account's active signing secrets, as a client
 * would, and records it when it verifies. Nothing is written for a delivery that does not, so a
 * caller without the secret can make this endpoint read but never write.
 */
export async function receiveDemoWebhook(
  db: Database,
  accountId: string,
  body: string,
  headers: Record<string, string | string[] | undefined>,
): Promise<ReceiveOutcome> {
  const unknown = {
    verified: false,
    status: 404,
    error: 'unknown_receiver',
    message: 'No account has this receiver.',
  } as const;
  if (!isUuid(accountId)) return unknown;
  const now = new Date();
  // Read only: a receiver does not create the secret (the first delivery did).
  const secrets = await db.webhookSecret.findMany({
    where: { accountId, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
    select: { secret: true },
  });
  if (secrets.length === 0) return unknown;
  let verified: ReturnType<typeof verifyWebhook<{ type?: unknown }>>;
  try {
    verified = verifyWebhook<{ type?: unknown }>({
      body,
      headers,
      secret: secrets.map((s) => s.secret),
      now,
    });
  } catch (error) {
    if (!(error instanceof WebhookVerificationError)) throw error;
    return { verified: false, status: 400, error: error.code, message: error.message };
  }
  const eventType = typeof verified.payload?.type === 'string' ? verified.payload.type : '';
  const kept = Object.fromEntries(
    KEPT_HEADERS.flatMap((name) => {
      const value = headers[name];
      return typeof value === 'string' ? [[name, value]] : [];
    }),
  );
  await db.$transaction(async (tx) => {
    await tx.demoWebhookReceipt.create({
      data: { accountId, eventId: verified.id, eventType, headers: kept, body, receivedAt: now },
    });
    await tx.$executeRaw`
      DELETE FROM demo_webhook_receipts WHERE id IN (
        SELECT id FROM demo_webhook_receipts WHERE account_id = ${accountId}::uuid
         ORDER BY received_at DESC, id DESC OFFSET ${KEPT_PER_ACCOUNT})`;
  });
  return { verified: true, eventId: verified.id, eventType };
}

/** An account's receipts, newest first, as the receiver got them. */
export async function listDemoReceipts(db: Database, accountId: string) {
  const rows = await db.demoWebhookReceipt.findMany({
    where: { accountId },
    orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
    take: KEPT_PER_ACCOUNT,
  });
  return rows.map((row) => ({
    received_at: row.receivedAt.toISOString(),
    event_id: row.eventId,
    event_type: row.eventType,
    headers: row.headers as Record<string, string>,
    body: row.body,
  }));
}
