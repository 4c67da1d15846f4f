import type { Database } from '@batchreel/db';
import { hashApiKey } from '../accounts/api-keys';
import { DEMO } from './seed';

/** `demo-key` when the demo data's key exists and is not revoked (for the start-up banner). */
export async function activeDemoKey(db: Database): Promise<string | null> {
  const key = await db.apiKey.findUnique({
    where: { keyHash: hashApiKey(DEMO.apiKey) },
    select: { revokedAt: true },
  });
  return key && !key.revokedAt ? DEMO.apiKey : null;
}
