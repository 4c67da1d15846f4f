// The shape of the money code, checked on the source: ledger rows are written in one place only
// (`src/ledger/post.ts`, fed by `@batchreel/billing` planners), and billing exports no rule that
// nobody applies. Both read files, no database.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const WRITE_PATH = 'apps/api/src/ledger/post.ts';

/** Not product code, each for its reason. */
const NOT_PRODUCT = [
  // Prisma's generated client names every model method.
  'packages/db/src/generated/',
  // Test factories (the `@batchreel/db/testing` entry): tests grant credits directly.
  'packages/db/src/testing/',
];

/** Ways to insert a ledger row: Prisma's model methods and SQL, any case and spacing. */
const LEDGER_WRITE = [
  /\bcreditLedger\s*\.\s*(create|createMany|createManyAndReturn|upsert)\b/,
  /\binsert\s+into\s+(?:public\s*\.\s*)?"?credit_ledger"?/i,
];

function sourceFiles(dir: string, accept: (path: string) => boolean): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) {
      continue;
    }
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path, accept));
    else if (accept(path)) files.push(path);
  }
  return files;
}

const repoPath = (path: string) => relative(ROOT, path).split(sep).join('/');
const isTs = (path: string) => /\.(ts|tsx|mts)$/.test(path) && !path.endsWith('.d.ts');

/**
 * `apps/api/src/**` and `packages/<pkg>/src/**` (everything that ships), and the tooling that
 * writes to a real ledger too (`tooling/<pkg>/src/**`, the benches): it goes through the same
 * write path (`grantCredits` from `@batchreel/api/tooling`).
 */
function productFiles(): string[] {
  const packageSources = (folder: string) =>
    readdirSync(join(ROOT, folder), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(ROOT, folder, entry.name, 'src'));
  const roots = [
    join(ROOT, 'apps/api/src'),
    join(ROOT, 'apps/api/bench'),
    ...packageSources('packages'),
    ...packageSources('tooling'),
  ];
  return roots
    .flatMap((root) => {
      try {
        return sourceFiles(root, isTs);
      } catch {
        return []; // a package without src
      }
    })
    .map(repoPath)
    .filter((path) => !NOT_PRODUCT.some((prefix) => path.startsWith(prefix)));
}

/** `path:line: text` of every ledger insert in `files` outside the write path. */
function ledgerWritesOutsideWritePath(files: readonly string[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    if (file === WRITE_PATH) continue;
    const text = readFileSync(join(ROOT, file), 'utf8');
    // Whole text, so a statement split over lines is found too; reported at its first line.
    for (const pattern of LEDGER_WRITE) {
      for (const match of text.matchAll(new RegExp(pattern, `${pattern.flags}g`))) {
        const line = text.slice(0, match.index).split('\n').length;
        found.push(`${file}:${line}: ${match[0]}`);
      }
    }
  }
  return found;
}

describe('one ledger write path', () => {
  it('no product code writes ledger rows except src/ledger/post.ts', () => {
    const files = productFiles();
    // The scan must see the places that used to write rows, or it proves nothing.
    expect(files).toEqual(
      expect.arrayContaining([
        WRITE_PATH,
        'apps/api/src/execution/finalize.ts',
        'apps/api/src/execution/freeze.ts',
        'apps/api/src/accounts/admin-router.ts',
        'apps/api/src/demo/seed.ts',
        'packages/billing/src/index.ts',
      ]),
    );
    expect(
      ledgerWritesOutsideWritePath(files),
      'write ledger rows with postLedgerEntries (apps/api/src/ledger/post.ts) and a billing planner',
    ).toEqual([]);
  });

  it('the write path itself is still found by the scan', () => {
    const self = readFileSync(join(ROOT, WRITE_PATH), 'utf8');
    expect(LEDGER_WRITE.some((pattern) => pattern.test(self))).toBe(true);
  });
});

/** Names exported by `packages/billing/src/index.ts`. */
function billingExports(): string[] {
  const index = readFileSync(join(ROOT, 'packages/billing/src/index.ts'), 'utf8');
  expect(index, 'index.ts re-exports by name only').not.toMatch(/export\s+\*/);
  return [...index.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)].flatMap((match) =>
    (match[1] as string)
      .split(',')
      .map((name) => name.trim().replace(/^type\s+/, ''))
      .filter(Boolean),
  );
}

/** Names each file outside `packages/billing` imports from `@batchreel/billing`. */
function billingImports(): Map<string, string[]> {
  const files = sourceFiles(
    ROOT,
    (path) => /\.(ts|tsx|mts|mjs|js)$/.test(path) && !path.endsWith('.d.ts'),
  )
    .map(repoPath)
    .filter((path) => !path.startsWith('packages/billing/'));
  const importers = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const imports = /import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+['"]@batchreel\/billing['"]/g;
    for (const match of text.matchAll(imports)) {
      for (const part of (match[1] as string).split(',')) {
        const name = part
          .trim()
          .replace(/^type\s+/, '')
          .split(/\s+as\s+/)[0];
        if (name) importers.set(name, [...(importers.get(name) ?? []), file]);
      }
    }
  }
  return importers;
}

describe('@batchreel/billing', () => {
  it('exports nothing without a caller outside the package', () => {
    const importers = billingImports();
    const exported = billingExports();
    expect(exported).toEqual(expect.arrayContaining(['planTaskRefund', 'PlannedLedgerEntry']));
    expect(
      exported.filter((name) => !importers.has(name)),
      'unused exports of packages/billing/src/index.ts: use them or stop exporting them',
    ).toEqual([]);
  });
});
