import fc from 'fast-check';

/**
 * Generators of everything around a body for the HTTP fuzz test: methods, paths (with ids of
 * every shape), query strings, and the headers the API reads. Ids the test only knows at run time
 * appear as tokens (`$known`, `$foreign`, `$revoked`, `$suspended`) that `resolve` fills in, so
 * counterexamples stay readable.
 */

export interface FuzzTokens {
  /** A batch of the demo account (its key may read it). */
  $known: string;
  /** A batch of another account: `404` for the demo key. */
  $foreign: string;
  $revoked: string;
  $suspended: string;
}

export function resolve(text: string, tokens: FuzzTokens): string {
  return text.replace(
    /\$(known|foreign|revoked|suspended)/g,
    (token) => tokens[token as keyof FuzzTokens],
  );
}

/** Printable ASCII without space: what `X-Request-ID` allows. */
const requestIdChar = fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code));
const latin1Char = fc.integer({ min: 0x80, max: 0xff }).map((code) => String.fromCharCode(code));

// ------------------------------------------------------------------------------------------------
// Headers (values fetch can send: Latin-1, no CR/LF/NUL; fetch trims surrounding white space)

export interface HeaderChoice {
  /** `undefined`: the header is not sent. */
  value: string | undefined;
  /** Whether the server must accept it (`false`: must refuse; `null`: either is fine). */
  valid: boolean | null;
}

export const apiKey: fc.Arbitrary<HeaderChoice> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ value: 'demo-key', valid: true }) },
  fc.constantFrom<HeaderChoice>(
    { value: ' demo-key\t', valid: true }, // surrounding white space is not part of a value
    { value: undefined, valid: false },
    { value: '', valid: false },
    { value: 'DEMO-KEY', valid: false },
    { value: 'demo-key, demo-key', valid: false },
    { value: 'demo-key\u00e9', valid: false },
    { value: '$revoked', valid: false },
    { value: '$suspended', valid: false },
    { value: 'k'.repeat(5_000), valid: false },
    { value: 'br_live_000000000000000000000000000000000000000', valid: false },
  ),
  fc
    .string({ minLength: 1, maxLength: 60 })
    .filter((key) => key.trim() !== 'demo-key' && key.trim() !== '')
    .map((value) => ({ value, valid: false })),
);

export const requestId: fc.Arbitrary<HeaderChoice> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ value: undefined, valid: true }) },
  fc
    .string({ unit: requestIdChar, minLength: 1, maxLength: 255 })
    .map((value) => ({ value: `fuzz-${value}`.slice(0, 255), valid: true })),
  fc.constantFrom<HeaderChoice>(
    { value: 'r'.repeat(255), valid: true },
    { value: '  padded  ', valid: true },
    { value: '', valid: false },
    { value: '   ', valid: false },
    { value: 'r'.repeat(256), valid: false },
    { value: 'order 42', valid: false },
    { value: 'tab\there', valid: false },
    { value: 'commande-\u00e9t\u00e9', valid: false },
  ),
  fc
    .tuple(fc.string({ unit: requestIdChar, maxLength: 20 }), latin1Char)
    .map(([text, char]) => ({ value: `${text}${char}x`, valid: false })),
);

/** `true`: JSON for sure; `false`: certainly not JSON (415); `null`: the server may go either way. */
export const contentType: fc.Arbitrary<HeaderChoice> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ value: 'application/json', valid: true }) },
  fc.constantFrom<HeaderChoice>(
    { value: 'application/json; charset=utf-8', valid: true },
    { value: 'text/plain', valid: false },
    { value: 'text/plain;charset=UTF-8', valid: false },
    { value: 'application/x-www-form-urlencoded', valid: false },
    { value: 'application/xml', valid: false },
    { value: 'multipart/form-data; boundary=x', valid: false },
    { value: 'application/octet-stream', valid: false },
    { value: 'image/png', valid: false },
  ),
);

/** Spellings a lenient or a strict parser may treat differently: only where nothing is written. */
export const doubtfulContentType: fc.Arbitrary<HeaderChoice> = fc
  .constantFrom(
    'APPLICATION/JSON',
    'application/json;',
    'application/json ; charset=UTF-8',
    'application/json; charset=utf-16',
    'application/json; charset=latin1',
    'application/json; charset="utf-8"',
    'application/json, text/plain',
    'application/jsonx',
    'application/json-patch+json',
    'application/vnd.api+json',
    'application/problem+json',
    'application/*',
    '*/*',
    'json',
    '',
    ';',
  )
  .map((value) => ({ value, valid: null }));

/** Headers nobody should care about, some of them alarming. */
export const noiseHeaders = fc.dictionary(
  fc.constantFrom(
    'accept',
    'accept-encoding',
    'content-encoding',
    'x-forwarded-for',
    'x-forwarded-proto',
    'x-forwarded-host',
    'x-http-method-override',
    'origin',
    'cookie',
    'authorization',
    'idempotent-replayed',
    'x-batchreel-admin',
    'if-none-match',
    'range',
  ),
  fc.oneof(
    fc.constantFrom('gzip', 'br', '*/*', 'text/html', 'DELETE', 'null', '1', 'bytes=0-1', '::1'),
    fc.string({ maxLength: 40 }),
  ),
  { maxKeys: 3 },
);

// ------------------------------------------------------------------------------------------------
// Methods and paths

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'] as const;
export const method = fc.constantFrom(...METHODS);

const ROUTES = [
  '/healthz',
  '/readyz',
  '/api/enterprise/openapi.json',
  '/api/enterprise/docs',
  '/api/enterprise/docs/',
  '/api/enterprise/video-batch',
  '/api/enterprise/video-batch/quote',
  '/api/enterprise/video-batch/{id}',
  '/api/enterprise/video-batch/{id}/tasks',
  '/api/enterprise/video-batch/{id}/cancel',
  '/api/enterprise/video-batches',
  '/api/enterprise/balance',
  '/api/enterprise/ledger',
  '/api/enterprise/webhook-secret',
  '/api/enterprise/webhook-secret/rotate',
  '/api/enterprise/webhook-deliveries',
  '/api/enterprise/webhook-deliveries/{id}',
  '/api/enterprise/webhook-deliveries/{id}/redeliver',
  '/api/enterprise/projects',
  '/api/enterprise/budgets',
  '/api/enterprise/alerts',
  '/api/enterprise/statements',
  '/api/enterprise/statements/public-key',
  '/api/enterprise/statements/{seg}',
  '/api/enterprise/{seg}',
  '/api/enterprise/video-batch/{id}/{seg}',
  '/api/{seg}',
  '/{seg}',
  '/simulator/videos/{id}',
];

/** Ids of every shape: ours, another account's, other uuids, and things that are no uuid at all. */
export const id = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('$known', '$foreign') },
  { weight: 2, arbitrary: fc.uuid() },
  fc.uuid().map((uuid) => uuid.toUpperCase()),
  fc.uuid().map((uuid) => uuid.replaceAll('-', '')),
  fc.uuid().map((uuid) => `{${uuid}}`),
  fc.uuid().map((uuid) => `${uuid}0`),
  fc.constantFrom(
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
    '$known.svg',
    '%00',
    '%2e%2e',
    '..',
    '.',
    '%2F',
    'a%2Fb',
    '%ZZ',
    '%',
    '%E0%A4%A',
    '%C0%80',
    '%F0%9F%90%B1',
    "1'%20OR%20'1'='1",
    '-1',
    '0',
    '9999999999999999999999',
    'null',
    '__proto__',
    'constructor',
    'quote',
    'x'.repeat(101),
    'x'.repeat(5_000),
  ),
  fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent),
);

const segment = fc.oneof(
  fc.constantFrom('nope', 'admin', 'trpc', '..', '%2e%2e', 'ledger.csv', 'openapi.yaml', '~', ''),
  fc.string({ minLength: 1, maxLength: 20 }).map(encodeURIComponent),
);

/** How a path is bent after it is built. */
const pathTwist = fc.constantFrom(
  'none',
  'none',
  'none',
  'none',
  'trailing-slash',
  'double-slash',
  'upper-case',
  'dot-segment',
  'encoded-letter',
  'nul-suffix',
  'semicolon',
  'fragment',
);

function twist(path: string, how: string): string {
  switch (how) {
    case 'trailing-slash':
      return `${path}/`;
    case 'double-slash':
      return path.replace(/\/(?=[^/]*$)/, '//');
    case 'upper-case':
      return path.toUpperCase();
    case 'dot-segment':
      return path.replace(/\/(?=[^/]*$)/, '/x/../');
    case 'encoded-letter':
      return path.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`);
    case 'nul-suffix':
      return `${path}%00`;
    case 'semicolon':
      return `${path};jsessionid=1`;
    case 'fragment':
      return `${path}#frag`;
    default:
      return path;
  }
}

// ------------------------------------------------------------------------------------------------
// Query strings

/** Cursors as a client might forge them: `{after: …}` of every type, base64url'd, and junk. */
const forgedCursor = fc
  .oneof(
    fc.oneof(
      fc.integer(),
      fc.double(),
      fc.constantFrom(-1, 0, 2 ** 31, 2 ** 53 + 1, 1e20, -0),
      fc.constantFrom('12', '0', '-1', '007', '9223372036854775807', '9223372036854775808', '1e3'),
      fc.constantFrom(null, true, [], {}, { after: 1 }),
      fc
        .tuple(
          fc.constantFrom(
            '2026-01-01T00:00:00.000Z',
            '-271821-04-20T00:00:00.000Z',
            '+275760-09-13T00:00:00.000Z',
            '-004714-01-01T00:00:00.000Z',
            '-000001-01-01T00:00:00.000Z',
            '0',
            '1',
            'Infinity',
            '2026-13-45',
            '',
          ),
          fc.oneof(fc.uuid(), fc.constantFrom('', 'x', '$known')),
        )
        .map(([time, uuid]) => `${time}|${uuid}`),
    ),
    fc.constant(undefined),
  )
  .map((after) =>
    Buffer.from(after === undefined ? '{}' : JSON.stringify({ after }), 'utf8').toString(
      'base64url',
    ),
  );

const queryValue = fc.oneof(
  fc.constantFrom('', '0', '1', '5', '100', '1000', '1001', '-1', '1.5', 'abc', '1e3', '0x10'),
  fc.constantFrom(' 5', '5 ', '99999999999999999999', 'Infinity', 'NaN', 'true', '[]', '%00'),
  fc.constantFrom('queued', 'running', 'succeeded', 'failed', 'canceled', 'pending', 'delivered'),
  fc.constantFrom('QUEUED', 'done', '$known', '$foreign', 'c'.repeat(201)),
  // id_prefix values: short ids, too short, not hex, LIKE wildcards, hyphens anywhere.
  fc.constantFrom('c0ffee11', 'C0FF', 'c0f', 'c0ff%25', 'c0ff_', 'c0ff-ee11', 'g000', '$known'),
  forgedCursor,
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
);

const queryKey = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.constantFrom('limit', 'cursor', 'status', 'batch_id', 'id_prefix'),
  },
  fc.constantFrom(
    'limit[]',
    'limit[0]',
    'status[]',
    'LIMIT',
    'sort',
    '__proto__',
    'constructor',
    '',
  ),
  fc.string({ maxLength: 8 }),
);

export const query = fc
  .array(fc.tuple(queryKey, queryValue, fc.boolean()), { maxLength: 4 })
  .map((pairs) => {
    if (pairs.length === 0) return '';
    const part = (text: string, raw: boolean) =>
      raw && text.isWellFormed() ? text.replace(/[#&\s]/g, encodeURIComponent) : encodeText(text);
    return `?${pairs.map(([key, value, raw]) => `${part(key, raw)}=${part(value, raw)}`).join('&')}`;
  });

/** encodeURIComponent that survives unpaired surrogates (sent as their replacement character). */
const encodeText = (text: string) => encodeURIComponent(text.toWellFormed());

export interface PathChoice {
  route: string;
  id: string;
  seg: string;
  twist: string;
  query: string;
}

export const path: fc.Arbitrary<PathChoice> = fc.record({
  route: fc.constantFrom(...ROUTES),
  id,
  seg: segment,
  twist: pathTwist,
  query,
});

/** The path as sent; `$known` only for GET and HEAD, so no generated write can touch it. */
export function buildPath(choice: PathChoice, readOnly: boolean): string {
  const id = readOnly ? choice.id : choice.id.replaceAll('$known', '$foreign');
  const filled = choice.route.replace('{id}', id).replace('{seg}', choice.seg);
  return (
    twist(filled, choice.twist) +
    (readOnly ? choice.query : choice.query.replaceAll('$known', '$foreign'))
  );
}
