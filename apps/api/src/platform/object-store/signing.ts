import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The API's own signed URLs, for the filesystem store (S3 signs its own): an HMAC-SHA256 over the
 * object key, the expiry and the answer's content type and file name, so none of them can be
 * changed without the key. Every API process must share the key (`STORAGE_SIGNING_KEY`).
 */
export interface SignedObjectRequest {
  key: string;
  /** Unix seconds. */
  expires: number;
  contentType: string;
  filename: string;
}

/** Where the API serves signed objects; the key follows (`/storage/objects/videos/…`). */
export const SIGNED_OBJECTS_PATH = '/storage/objects';

function mac(secret: Buffer, request: SignedObjectRequest): Buffer {
  return createHmac('sha256', secret)
    .update(
      ['v1', request.key, String(request.expires), request.contentType, request.filename].join(
        '\n',
      ),
    )
    .digest();
}

export function signObjectUrl(
  secret: Buffer,
  baseUrl: string,
  request: SignedObjectRequest,
): string {
  const url = new URL(`${baseUrl.replace(/\/$/, '')}${SIGNED_OBJECTS_PATH}/${request.key}`);
  url.searchParams.set('expires', String(request.expires));
  url.searchParams.set('type', request.contentType);
  url.searchParams.set('name', request.filename);
  url.searchParams.set('signature', mac(secret, request).toString('base64url'));
  return url.toString();
}

export type SignatureCheck = 'valid' | 'expired' | 'invalid';

/** Checks a signed URL's parameters: the signature first (so nothing unsigned is believed). */
export function checkObjectSignature(
  secret: Buffer,
  request: SignedObjectRequest,
  signature: string,
  now = Date.now(),
): SignatureCheck {
  const expected = mac(secret, request);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  return request.expires * 1000 > now ? 'valid' : 'expired';
}

const KEY_FILE = 'storage-signing-key';

/**
 * The signing key: `STORAGE_SIGNING_KEY` when set (every API process must share it), else one
 * generated once and kept in `DATA_DIR` (mode 0600), which suits a single machine.
 */
export async function loadSigningKey(configured: string | undefined, dataDir: string) {
  if (configured) return Buffer.from(configured, 'utf8');
  const path = join(dataDir, KEY_FILE);
  try {
    return Buffer.from((await readFile(path, 'utf8')).trim(), 'base64url');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(32);
  // `wx`: two processes starting at once never overwrite each other's key.
  await writeFile(path, key.toString('base64url'), { mode: 0o600, flag: 'wx' }).catch(
    async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    },
  );
  await chmod(path, 0o600);
  return Buffer.from((await readFile(path, 'utf8')).trim(), 'base64url');
}
