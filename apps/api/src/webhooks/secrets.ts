import type { Database, Prisma } from '@batchreel/db';
import { generateSecret } from '@batchreel/webhooks';

type Client = Database | Prisma.TransactionClient;

export interface SigningSecrets {
  current: { id: string; secret: string; createdAt: Date };
  /** Rotated out but still inside their overlap window, newest first. */
  previous: { id: string; secret: string; expiresAt: Date }[];
}

/** How many characters of a secret identify it in lists and the audit log. */
const PREFIX_CHARS = 12;
export const secretPrefix = (secret: string) => `${secret.slice(0, PREFIX_CHARS)}…`;

/**
 * The account's signing secrets: the current one (created on first use: every account has one
 * as soon as anything asks) and the rotated-out ones still inside their overlap window.
 *
 * Secrets are stored as written because signing needs them (an HMAC key cannot be hashed away
 * like an API key); only the API key's owner and the delivery worker read them.
 */
export async function signingSecrets(db: Client, accountId: string, now = new Date()) {
  // The partial unique index (one current secret per account) makes concurrent first uses safe.
  await db.$executeRaw`
    INSERT INTO webhook_secrets (account_id, secret)
    VALUES (${accountId}::uuid, ${generateSecret()})
    ON CONFLICT (account_id) WHERE expires_at IS NULL DO NOTHING`;
  const rows = await db.webhookSecret.findMany({
    where: { accountId, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
    orderBy: { createdAt: 'desc' },
  });
  const current = rows.find((row) => row.expiresAt === null);
  if (!current) throw new Error(`account ${accountId} has no current webhook secret`);
  return {
    current: { id: current.id, secret: current.secret, createdAt: current.createdAt },
    previous: rows.flatMap((row) =>
      row.expiresAt ? [{ id: row.id, secret: row.secret, expiresAt: row.expiresAt }] : [],
    ),
  } satisfies SigningSecrets;
}

/**
 * Rotates the account's signing secret: the current one expires after `overlapSeconds` (both are
 * used to sign until then, so receivers can switch without missing a delivery) and a new one
 * becomes current. Audited without the secrets themselves.
 */
export async function rotateSigningSecret(
  db: Database,
  accountId: string,
  input: { overlapSeconds: number; actor: string; actorUserId?: string | null },
): Promise<SigningSecrets> {
  return db.$transaction(async (tx) => {
    // One rotation at a time per account: the second waits and then rotates the first's result.
    await tx.$queryRaw`SELECT id FROM accounts WHERE id = ${accountId}::uuid FOR UPDATE`;
    const before = await signingSecrets(tx, accountId);
    const expiresAt = new Date(Date.now() + input.overlapSeconds * 1000);
    await tx.webhookSecret.update({ where: { id: before.current.id }, data: { expiresAt } });
    const created = await tx.webhookSecret.create({
      data: { accountId, secret: generateSecret() },
    });
    await tx.auditLog.create({
      data: {
        actor: input.actor,
        actorUserId: input.actorUserId ?? null,
        action: 'webhook_secret.rotated',
        targetType: 'account',
        targetId: accountId,
        before: { current: secretPrefix(before.current.secret) },
        after: {
          current: secretPrefix(created.secret),
          previous: secretPrefix(before.current.secret),
          previous_expires_at: expiresAt.toISOString(),
        },
      },
    });
    return signingSecrets(tx, accountId);
  });
}

/** The REST view of an account's secrets (previous ones by prefix only). */
export function signingSecretView(secrets: SigningSecrets) {
  return {
    ok: true as const,
    secret: secrets.current.secret,
    created_at: secrets.current.createdAt.toISOString(),
    previous_secrets: secrets.previous.map((p) => ({
      secret_prefix: secretPrefix(p.secret),
      expires_at: p.expiresAt.toISOString(),
    })),
  };
}
