// @ts-check
// Builds the API's executables to plain JavaScript in dist/: the server and worker (`main.js`) and
// the operators' CLIs (`ledger-verify.js`, `api-keys.js`). `pnpm start` runs it before every
// start; it takes about a second.
//
// The workspace packages (@batchreel/*) export their TypeScript sources, so they are bundled in.
// Everything that comes from node_modules stays outside, loaded by Node as it is: native addons
// (argon2), wasm (Prisma's query compiler), binaries (PostgreSQL) and files that packages read
// beside themselves all keep working, and dist/ holds only our own code.
import { readFile, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const API_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = join(API_DIR, 'dist');
const API_SOURCES = join(API_DIR, 'src') + sep;

/** The executables: the server, and each CLI through a two-line entry that runs it. */
const ENTRIES = {
  main: { source: 'src/main.ts' },
  'ledger-verify': { source: 'src/cli/ledger-verify.ts', run: true },
  'api-keys': { source: 'src/cli/api-keys.ts', run: true },
};

const BUILTINS = new Set(builtinModules);

/**
 * A path as an import specifier relative to the output directory, always `/`-separated.
 * @param {string} path
 */
function fromOutDir(path) {
  const rel = relative(OUT_DIR, path).split(sep).join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/**
 * Keeps node_modules packages external. An import in apps/api's sources stays as written (Node
 * finds the package in apps/api/node_modules, as from the sources). A workspace package's import
 * (pg for @batchreel/db, say) may name a package apps/api does not depend on: it is pointed at the
 * exact file it resolved to from that package, relative to dist/, so the same file loads.
 * @type {import('esbuild').Plugin}
 */
const externalPackages = {
  name: 'external-packages',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'resolving') return undefined;
      if (args.path.startsWith('node:') || BUILTINS.has(args.path)) {
        return { path: args.path, external: true };
      }
      const resolved = await builder.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: 'resolving',
      });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      if (!resolved.path.split(sep).includes('node_modules')) return undefined; // a workspace source
      const fromApi = args.importer.startsWith(API_SOURCES);
      return { path: fromApi ? args.path : fromOutDir(resolved.path), external: true };
    });
  },
};

/**
 * `import.meta.url` names the module's own file, and code uses it to find files beside its
 * sources (the migrations, the admin's build, the packages' node_modules). Bundled, every module
 * would see dist/'s URL instead; each keeps its own source file's URL, expressed relative to the
 * bundle so that the checkout can move.
 * @type {import('esbuild').Plugin}
 */
const sourceLocations = {
  name: 'source-locations',
  setup(builder) {
    builder.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
      if (args.path.split(sep).includes('node_modules')) return undefined;
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta')) return undefined;
      if (/import\.meta\.(dirname|filename)/.test(text)) {
        return {
          errors: [{ text: 'use import.meta.url (dirname and filename are not rewritten)' }],
        };
      }
      const url = `new URL(${JSON.stringify(fromOutDir(args.path))}, import.meta.url).href`;
      const ext = extname(args.path).replace(/^\.[cm]?/, '.');
      const loader = /** @type {'ts' | 'tsx' | 'js' | 'jsx'} */ (ext.slice(1));
      return { contents: text.replaceAll('import.meta.url', url), loader };
    });
  },
};

/**
 * The CLIs start themselves only when their own file is the script Node runs (so tests can
 * import them); in the bundle an entry calls their `run()` instead.
 * @type {import('esbuild').Plugin}
 */
const cliEntries = {
  name: 'cli-entries',
  setup(builder) {
    builder.onResolve({ filter: /^cli-entry:/ }, (args) => ({
      path: args.path.slice('cli-entry:'.length),
      namespace: 'cli-entry',
    }));
    builder.onLoad({ filter: /.*/, namespace: 'cli-entry' }, (args) => ({
      contents: `import { run } from ${JSON.stringify(join(API_DIR, args.path))};\nrun(process.argv.slice(2));\n`,
      resolveDir: API_DIR,
      loader: 'js',
    }));
  },
};

export async function buildApi() {
  const started = performance.now();
  await rm(OUT_DIR, { recursive: true, force: true });
  await build({
    absWorkingDir: API_DIR,
    entryPoints: Object.entries(ENTRIES).map(([name, entry]) => ({
      in: 'run' in entry ? `cli-entry:${entry.source}` : entry.source,
      out: name,
    })),
    outdir: OUT_DIR,
    bundle: true,
    splitting: true,
    chunkNames: 'shared-[hash]',
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'warning',
    plugins: [cliEntries, externalPackages, sourceLocations],
  });
  return performance.now() - started;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ms = await buildApi();
  console.error(
    `api built into ${relative(process.cwd(), OUT_DIR) || '.'} in ${Math.round(ms)} ms`,
  );
}
