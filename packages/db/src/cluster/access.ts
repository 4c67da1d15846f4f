import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * How this process reaches a cluster it manages, kept inside the cluster's own directory (mode
 * 0600, readable only by the user that runs Batchreel): the superuser's password, generated when
 * the cluster is created, and the port it moved to when its preferred one was taken.
 */
export interface ClusterAccess {
  password: string;
  /** The port chosen when the preferred one belonged to another server; used from then on. */
  port?: number;
  /**
   * The password a cluster created before passwords were generated still has (one for every
   * checkout), until the next start changes it to `password`.
   */
  formerPassword?: string;
}

/** The file's name inside the cluster directory (PostgreSQL ignores files it does not know). */
export const ACCESS_FILE = 'batchreel-access.json';

/** What embedded clusters were created with before each got its own password. */
export const SHARED_LEGACY_PASSWORD = 'batchreel-embedded';

/** 32 URL-safe characters (192 bits): usable as is in a connection URL. */
export function generateClusterPassword(): string {
  return randomBytes(24).toString('base64url');
}

/** The access file of the cluster in `dataDir`, or null when there is none. */
export async function readClusterAccess(dataDir: string): Promise<ClusterAccess | null> {
  let text: string;
  try {
    text = await readFile(join(dataDir, ACCESS_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<ClusterAccess>;
  if (typeof parsed.password !== 'string' || parsed.password.length === 0) {
    throw new Error(`${join(dataDir, ACCESS_FILE)} has no password`);
  }
  return {
    password: parsed.password,
    ...(typeof parsed.port === 'number' ? { port: parsed.port } : {}),
    ...(typeof parsed.formerPassword === 'string' ? { formerPassword: parsed.formerPassword } : {}),
  };
}

/**
 * Replaces the access file in one step (write aside, rename), so a crash leaves one or the other.
 * `exclusive`: only when there is none yet; false if another process wrote one first.
 */
export async function writeClusterAccess(
  dataDir: string,
  access: ClusterAccess,
  options: { exclusive?: boolean } = {},
): Promise<boolean> {
  const path = join(dataDir, ACCESS_FILE);
  const text = `${JSON.stringify(access, null, 2)}\n`;
  if (options.exclusive) {
    try {
      await writeFile(path, text, { mode: 0o600, flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  }
  const staged = `${path}.${process.pid}.tmp`;
  await writeFile(staged, text, { mode: 0o600 });
  await rename(staged, path);
  return true;
}
