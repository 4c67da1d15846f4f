import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Database, isGuardViolation } from '@batchreel/db';
import { generatePassword, hashPassword, verifyPassword } from './passwords';

export const DEFAULT_ADMIN_EMAIL = 'admin@batchreel.local';
/** In DATA_DIR: the generated password of the first admin (mode 600). */
export const ADMIN_CREDENTIALS_FILE = 'admin-credentials.json';

export interface AdminSignIn {
  email: string;
  /** Known only when this process created the user or generated its password earlier. */
  password: string | null;
  created: boolean;
}

/**
 * Makes sure the first admin user exists (docs/product.md §2): `ADMIN_EMAIL`/`ADMIN_PASSWORD` when given,
 * otherwise `admin@batchreel.local` with a generated password. A generated password is kept in
 * `DATA_DIR/admin-credentials.json` (mode 600) so a local restart can print it again; it is never
 * stored anywhere else in clear.
 */
export async function ensureAdminUser(
  db: Database,
  options: { email?: string | undefined; password?: string | undefined; dataDir: string },
): Promise<AdminSignIn | null> {
  const email = options.email ?? DEFAULT_ADMIN_EMAIL;
  const credentialsPath = join(options.dataDir, ADMIN_CREDENTIALS_FILE);
  const existing = await db.adminUser.findUnique({ where: { email } });
  if (existing) {
    const saved = await readSavedPassword(credentialsPath, email);
    const password =
      options.password ??
      (saved && (await verifyPassword(existing.passwordHash, saved)) ? saved : null);
    return { email, password, created: false };
  }
  // Without ADMIN_EMAIL, an installation that already has staff gets no default admin.
  if (!options.email && (await db.adminUser.count({ where: { role: 'admin' } })) > 0) return null;

  const password = options.password ?? generatePassword();
  try {
    await db.adminUser.create({
      data: {
        email,
        displayName: 'Administrator',
        role: 'admin',
        passwordHash: await hashPassword(password),
      },
    });
  } catch (error) {
    // Another process created it a moment ago.
    if (isGuardViolation(error, 'admin_users_email_key'))
      return { email, password: null, created: false };
    throw error;
  }
  if (!options.password) {
    await writeFile(credentialsPath, JSON.stringify({ email, password }, null, 2), { mode: 0o600 });
  }
  return { email, password, created: true };
}

async function readSavedPassword(path: string, email: string): Promise<string | null> {
  try {
    const saved = JSON.parse(await readFile(path, 'utf8')) as {
      email?: unknown;
      password?: unknown;
    };
    return saved.email === email && typeof saved.password === 'string' ? saved.password : null;
  } catch {
    return null;
  }
}
