import { isAbsolute, relative } from 'node:path';
import { createColors } from 'picocolors';
import type { EmbeddedDatabase } from './database';

/** How the first admin signs in, as the start-up found it. */
export interface BannerSignIn {
  email: string;
  /** Shown only when the user was created by this start. */
  password: string | null;
  created: boolean;
  /** Where the password can be found later: a file, or the variable it came from. */
  passwordSource: string | null;
}

export interface BannerInfo {
  /** `http://localhost:3000`, or PUBLIC_BASE_URL. */
  baseUrl: string;
  signIn: BannerSignIn | null;
  /** The demo API key, when the demo data is there and the key is not revoked. */
  demoKey: string | null;
  database: EmbeddedDatabase | null;
}

/** A path as the person who ran `pnpm start` from the checkout would type it. */
function shortPath(path: string) {
  const fromHere = relative(process.cwd(), path);
  return fromHere && !fromHere.startsWith('..') ? fromHere : path;
}

/**
 * What a person at the terminal needs once the system is up: where the admin app and the API
 * reference are, how to sign in, the demo key, and where the embedded database runs.
 */
export function formatBanner(info: BannerInfo, color = false): string {
  const c = createColors(color);
  const rows: [string, string][] = [
    ['Admin', c.cyan(`${info.baseUrl}/admin/`)],
    ['API docs', c.cyan(`${info.baseUrl}/api/enterprise/docs/`)],
  ];
  const signIn = info.signIn;
  const source = signIn?.passwordSource;
  const passwordSource = source && isAbsolute(source) ? shortPath(source) : source;
  if (signIn) {
    if (signIn.created && signIn.password) {
      rows.push(['Sign in', `${signIn.email} / ${c.bold(signIn.password)}`]);
      if (passwordSource) {
        const note = source && isAbsolute(source) ? 'password kept in' : 'password from';
        rows.push(['', c.dim(`${note} ${passwordSource}`)]);
      }
    } else {
      const where = passwordSource ? ` (password: ${passwordSource})` : '';
      rows.push(['Sign in', `${signIn.email}${c.dim(where)}`]);
    }
  }
  if (info.demoKey)
    rows.push(['Demo key', `${c.bold(info.demoKey)} ${c.dim('(X-API-Key header)')}`]);
  if (info.database) {
    const { port, movedFrom, dataDir } = info.database;
    rows.push([
      'Database',
      `embedded PostgreSQL on 127.0.0.1:${port}, data in ${shortPath(dataDir)}`,
    ]);
    if (movedFrom !== null) {
      rows.push([
        '',
        c.yellow(`port ${movedFrom} was taken by another server, so it uses ${port}`),
      ]);
    }
  }
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`);
  return `\n  ${c.green(c.bold('Batchreel is running'))}\n\n${lines.join('\n')}\n\n  ${c.dim('Ctrl-C stops it.')}\n\n`;
}
