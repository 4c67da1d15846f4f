// The layers of apps/api/src, checked on the source (docs/architecture.md, "Layers"): every
// import is read, files are grouped by their top-level folder, and the folder graph must have no
// cycle and none of the edges the rules below forbid. Reads files, no database.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SRC = join(ROOT, 'apps/api/src');

type Layer = 'primitive' | 'transport' | 'domain' | 'composition' | 'entry';

/**
 * What each top-level folder (or root file, by its name) of apps/api/src is. A new folder must be
 * placed here: the test fails on one it does not know.
 */
const LAYERS: Record<string, Layer> = {
  // Building blocks with no knowledge of the product: configuration, database, queue, logging,
  // outbound HTTP, ids, pagination, input validation, the job table.
  env: 'primitive',
  jobs: 'primitive',
  platform: 'primitive',
  // The two transports' machinery: REST routes, errors and envelope; tRPC procedures and context.
  http: 'transport',
  trpc: 'transport',
  // The product, by domain: services and queries (the core) with their REST routes and tRPC
  // routers (the adapters) side by side.
  accounts: 'domain',
  admin: 'domain',
  batches: 'domain',
  costs: 'domain',
  demo: 'domain',
  execution: 'domain',
  finance: 'domain',
  health: 'domain',
  ledger: 'domain',
  metrics: 'domain',
  models: 'domain',
  // Durable outputs: persisting finished videos, delivering them (signed links, manifest, ZIP),
  // retention. The object store itself is a primitive (platform/object-store).
  outputs: 'domain',
  outbox: 'domain',
  providers: 'domain',
  staff: 'domain',
  webhooks: 'domain',
  // Where the pieces are put together: the HTTP server, the REST registry and OpenAPI document,
  // the tRPC root router, the admin app's HTTP side, the worker.
  app: 'composition',
  // What starts a process or is reached from outside the package.
  main: 'entry',
  cli: 'entry',
  tooling: 'entry',
};

/** Adapters: a domain's REST routes (`routes.ts`, `*-routes.ts`) and tRPC routers (`*-router.ts`). */
const isAdapter = (file: string) => /(^|\/|-)routes\.ts$|-router\.ts$/.test(file);

/** A transport may build on one domain: tRPC procedures act for a signed-in staff member. */
const TRANSPORT_MAY_IMPORT: Record<string, string[]> = { http: [], trpc: ['staff'] };

interface Import {
  /** The importing file, relative to src (`batches/read.ts`). */
  file: string;
  /** The specifier as written (`../http/cursor`). */
  specifier: string;
  /** The imported file, relative to src. */
  target: string;
}

interface Rule {
  name: string;
  /** Why the edge is refused, or null when it is fine. */
  refuses(edge: Import & { from: string; to: string }): string | null;
}

/** The rules, each a sentence in the failure message. Cycles are checked separately. */
const RULES: Rule[] = [
  {
    name: 'primitives import only primitives',
    refuses: ({ from, to }) =>
      LAYERS[from] === 'primitive' && LAYERS[to] !== 'primitive'
        ? `a primitive (${from}) imports ${LAYERS[to]} ${to}`
        : null,
  },
  {
    name: 'transports import only primitives (and the domain they authorise)',
    refuses: ({ from, to }) =>
      LAYERS[from] === 'transport' &&
      LAYERS[to] !== 'primitive' &&
      !TRANSPORT_MAY_IMPORT[from]?.includes(to)
        ? `a transport (${from}) imports ${LAYERS[to]} ${to}`
        : null,
  },
  {
    name: 'domain cores import no transport, no composition and no adapter',
    refuses: ({ file, target, from, to }) => {
      if (LAYERS[from] !== 'domain' || isAdapter(file)) return null;
      if (LAYERS[to] === 'transport' || LAYERS[to] === 'composition') {
        return `a core file imports ${LAYERS[to]} ${to}/ (move the code that needs it into an adapter: routes.ts or *-router.ts)`;
      }
      return isAdapter(target) ? 'a core file imports an adapter' : null;
    },
  },
  {
    name: 'only entries import the composition folder',
    refuses: ({ from, to }) =>
      LAYERS[to] === 'composition' && from !== to && LAYERS[from] !== 'entry'
        ? `${LAYERS[from]} ${from} imports the composition root`
        : null,
  },
];

// ---------------------------------------------------------------------------------------------
// Reading imports

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : tsFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/**
 * The module specifiers a file imports: `import … from`, `import type … from`, `export … from`,
 * side-effect `import '…'`, and `import('…')` (dynamic, or a type written inline). Statements are
 * found at the start of a line, so an example in a comment is not taken for an import.
 */
function importSpecifiers(source: string): string[] {
  const code = source
    .split('\n')
    .filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line))
    .join('\n');
  const statements = /^\s*(?:import|export)\s+(?:type\s+)?(?:[^;'"]*?\sfrom\s*)?['"]([^'"]+)['"]/gm;
  const inline = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
  return [...code.matchAll(statements), ...code.matchAll(inline)].map((m) => m[1] as string);
}

/** The file a relative specifier names (`./read` → `read.ts`, `./x` → `x/index.ts`). */
function resolveRelative(fromFile: string, specifier: string): string | null {
  const base = resolve(dirname(fromFile), specifier).replace(/\.js$/, '');
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && candidate !== base) return candidate;
  }
  return existsSync(base) && /\.tsx?$/.test(base) ? base : null;
}

const srcPath = (path: string) => relative(SRC, path).split(sep).join('/');

/** Top-level folder of a src path; a root file is named without its extension (`main`). */
const folderOf = (path: string) =>
  path.includes('/') ? (path.split('/')[0] as string) : path.replace(/\.tsx?$/, '');

function apiImports(): Import[] {
  return tsFiles(SRC).flatMap((path) =>
    importSpecifiers(readFileSync(path, 'utf8'))
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => {
        const target = resolveRelative(path, specifier);
        if (!target) throw new Error(`${srcPath(path)}: cannot resolve ${specifier}`);
        return { file: srcPath(path), specifier, target: srcPath(target) };
      }),
  );
}

// ---------------------------------------------------------------------------------------------
// The folder graph

type Graph = Map<string, Map<string, Import[]>>;

function folderGraph(imports: readonly Import[]): Graph {
  const graph: Graph = new Map();
  for (const edge of imports) {
    const from = folderOf(edge.file);
    const to = folderOf(edge.target);
    if (!graph.has(from)) graph.set(from, new Map());
    if (from === to) continue;
    const edges = graph.get(from) as Map<string, Import[]>;
    edges.set(to, [...(edges.get(to) ?? []), edge]);
  }
  return graph;
}

/** Folders that reach each other (Tarjan's strongly connected components of two or more). */
function tangles(graph: Graph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const components: string[][] = [];
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (stack.includes(next)) {
        low.set(node, Math.min(low.get(node) as number, index.get(next) as number));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop() as string;
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return components;
}

/** A shortest cycle through the first folder of a component, e.g. `[a, b, a]`. */
function shortestCycle(graph: Graph, component: string[]): string[] {
  const start = component[0] as string;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift() as string;
    for (const next of graph.get(node)?.keys() ?? []) {
      if (!component.includes(next)) continue;
      if (next === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(previous.get(path[0] as string) as string);
        return [...path, start];
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return component;
}

const describeEdge = (edge: Import) => `${edge.file} imports '${edge.specifier}'`;

/** A tangle's folders, and one shortest cycle among them with the imports behind each step. */
function tangleReport(graph: Graph, tangle: string[]): string {
  const cycle = shortestCycle(graph, tangle);
  const steps = cycle.slice(1).map((to, i) => {
    const from = cycle[i] as string;
    const edges = graph.get(from)?.get(to) ?? [];
    return `  ${from} → ${to}: ${edges.map(describeEdge).join('; ')}`;
  });
  return [
    `${tangle.length} folders in a cycle (${tangle.join(', ')}), e.g. ${cycle.join(' → ')}`,
    ...steps,
  ].join('\n');
}

function forbiddenEdges(imports: readonly Import[]): string[] {
  return imports.flatMap((edge) => {
    const from = folderOf(edge.file);
    const to = folderOf(edge.target);
    if (from === to && !(LAYERS[from] === 'domain' && isAdapter(edge.target))) return [];
    return RULES.flatMap((rule) => {
      const why = rule.refuses({ ...edge, from, to });
      return why ? [`${describeEdge(edge)}: ${why} [${rule.name}]`] : [];
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Packages never reach into an app

function packageImportsOfApps(): string[] {
  const packages = join(ROOT, 'packages');
  return readdirSync(packages, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => tsFiles(join(packages, entry.name)))
    .filter((path) => !path.includes(`${sep}generated${sep}`))
    .flatMap((path) =>
      importSpecifiers(readFileSync(path, 'utf8'))
        .filter((specifier) => {
          if (/^@batchreel\/(api|admin)(\/|$)/.test(specifier)) return true;
          if (!specifier.startsWith('.')) return false;
          const target = relative(ROOT, resolve(dirname(path), specifier))
            .split(sep)
            .join('/');
          return target.startsWith('apps/');
        })
        .map((specifier) => `${relative(ROOT, path).split(sep).join('/')} imports '${specifier}'`),
    );
}

// ---------------------------------------------------------------------------------------------

describe('the layers of apps/api/src', () => {
  const imports = apiImports();
  const graph = folderGraph(imports);

  it('reads every kind of import (or it proves nothing)', () => {
    expect(
      importSpecifiers(
        [
          "import { a } from './a';",
          "import type { B } from './b';",
          'import {\n  c,\n  type D,\n} from "./c";',
          "export { e } from './e';",
          "export * from './f';",
          "import './g';",
          "type H = import('./h').H;",
          "// import { x } from './not-an-import';",
          " * import { y } from './nor-this';",
        ].join('\n'),
      ),
    ).toEqual(['./a', './b', './c', './e', './f', './g', './h']);
    expect(imports.length).toBeGreaterThan(200);
  });

  it('knows every top-level folder', () => {
    expect([...graph.keys()].filter((folder) => !(folder in LAYERS))).toEqual([]);
  });

  it('has no cycle between folders', () => {
    expect(
      tangles(graph)
        .map((tangle) => tangleReport(graph, tangle))
        .join('\n'),
    ).toBe('');
  });

  it('has no forbidden import', () => {
    expect(forbiddenEdges(imports).join('\n')).toBe('');
  });
});

describe('jobs', () => {
  // Every job goes through `enqueue()`/`enqueueMany()` (jobs/definitions.ts), which validate the
  // payload against the job's schema; a raw send names its queue by a loose string.
  it('are sent only through the typed enqueue of jobs/definitions.ts', () => {
    const raw = tsFiles(SRC)
      .filter((path) => srcPath(path) !== 'jobs/definitions.ts')
      .flatMap((path) =>
        readFileSync(path, 'utf8')
          .split('\n')
          .map((line, index) => ({ line, at: `${srcPath(path)}:${index + 1}` }))
          .filter(({ line }) =>
            /\b(queue|boss)\.(send|insert|sendAfter|sendThrottled|sendDebounced)\(/.test(line),
          )
          .map(({ at, line }) => `${at}: ${line.trim()}`),
      );
    expect(raw).toEqual([]);
  });
});

describe('packages', () => {
  it('never import from an app', () => {
    expect(packageImportsOfApps()).toEqual([]);
  });
});
