import { LIMITS } from '@batchreel/contracts';
import fc from 'fast-check';

/**
 * Generators of `POST /video-batch` (and `/quote`) bodies for the HTTP fuzz test: valid bodies
 * full of awkward-but-legal text, and breakages, each of which on its own makes a body invalid
 * whatever else the body holds. A request with a breakage must be refused; a clean one must not.
 */

export const MODEL = 'sora-2';
const SECONDS = [4, 8, 12];
const SIZES = ['1280x720', '720x1280'];

// ------------------------------------------------------------------------------------------------
// Text

/** Every character JavaScript's `\s` (and so the server's "not empty") counts as white space. */
const WHITE_SPACE = [
  ' ',
  '\t',
  '\n',
  '\r',
  '\v',
  '\f',
  '\u00a0',
  '\u1680',
  '\u2000',
  '\u200a',
  '\u2028',
  '\u2029',
  '\u202f',
  '\u205f',
  '\u3000',
  '\ufeff',
];

/** Legal but awkward: right-to-left, bidi overrides, emoji sequences, combining marks. */
const AWKWARD_TEXT = [
  'مرحبا بالعالم',
  'שלום עולם',
  '\u202egnaip gniyalp tac A',
  'A cat 🐱 playing 🎹',
  '👩‍👩‍👧‍👦 family',
  '🏳️‍🌈',
  'e\u0301\u0301\u0301 combining',
  'Z͑ͫ̓ͪ̂ͫ̽͏̴̙̤̞͉͚̯̞̠͍A̴̵̜̰͔ͫ͗͢L̠ͨͧͩ͘G̴̻͈͍͔̹̑͗̎̅͛́Ǫ̵̹̻̝̳͂̌̌͘',
  '\u200b zero width',
  'line\nbreak and\ttab',
  '"quotes" \\ backslash / slash',
  "'; DROP TABLE batch_jobs; --",
  '<script>alert(1)</script>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template placeholder as hostile text
  '${process.env}',
  '%s %n %x',
  '\u0001\u001f control',
  '\ufffd replacement',
];

/** Storable text in any script (`binary` is any code point but NUL, unpaired surrogates aside). */
const printable = (maxLength: number) =>
  fc.oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength }),
    fc.string({ unit: 'binary', minLength: 1, maxLength }).filter((s) => !s.includes('\u0000')),
    fc.constantFrom(...AWKWARD_TEXT),
  );

const nonBlank = (maxLength: number) => printable(maxLength).filter((s) => /\S/.test(s));

/** Exactly `count` code points of one character (a limit's edge: BMP, 3-byte, astral). */
const repeated = (count: number) =>
  fc.constantFrom('p', '€', '😀', 'ا').map((char) => char.repeat(count));

const loneSurrogate = fc.oneof(
  fc.integer({ min: 0xd800, max: 0xdbff }).map((code) => String.fromCharCode(code)),
  fc.integer({ min: 0xdc00, max: 0xdfff }).map((code) => String.fromCharCode(code)),
);

/** Text that cannot be stored: a NUL or an unpaired surrogate somewhere in it. */
const unstorable = fc
  .tuple(fc.string({ maxLength: 10 }), fc.oneof(fc.constant('\u0000'), loneSurrogate))
  .chain(([text, bad]) =>
    fc.oneof(
      fc.constant(`${text}${bad}`),
      // A high surrogate followed by anything but a low one is still unpaired.
      fc.constant(`${bad}x${text}`),
      fc.constant(`${text}${bad}!`),
    ),
  )
  .filter((s) => !s.isWellFormed() || s.includes('\u0000'));

const blank = fc
  .array(fc.constantFrom(...WHITE_SPACE), { minLength: 1, maxLength: 8 })
  .map((chars) => chars.join(''));

/** Any JSON value that is not a string. */
const nonString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

/**
 * `[[[…]]]` nested `depth` deep, written as a placeholder that `toJsonText` expands (too deep for
 * `JSON.stringify`): parsers and validators that recurse can fall over on it.
 */
const deep = fc.integer({ min: 50, max: 20_000 }).map((depth) => `__deep_${depth}__`);

// ------------------------------------------------------------------------------------------------
// Valid bodies

const validPrompt = fc.oneof(
  { weight: 6, arbitrary: nonBlank(60) },
  { weight: 1, arbitrary: repeated(LIMITS.maxPromptChars) },
);

export const validItem = fc.record(
  {
    prompt: validPrompt,
    model: fc.constant(MODEL),
    seconds: fc.constantFrom(...SECONDS),
    size: fc.constantFrom(...SIZES),
  },
  { requiredKeys: ['prompt', 'model'] },
);

const PUBLIC_WEBHOOK_URLS = [
  'https://customer.example/webhook',
  'HTTPS://CUSTOMER.EXAMPLE/Webhook?x=1&y=%20#frag',
  'https://bücher.example/hook',
  'https://93.184.216.34/hook',
  'https://[2606:4700::1111]/hook',
  'https://customer.example:8443/a/b/../c',
  `https://customer.example/${'w'.repeat(LIMITS.maxWebhookUrlChars - 25)}`,
];

const validWebhookUrl = fc.oneof(
  fc.constantFrom(...PUBLIC_WEBHOOK_URLS),
  fc
    .tuple(fc.domain(), fc.webPath())
    .map(([domain, path]) => `https://${domain}${path}`)
    .filter((url) => !/localhost|localdomain/i.test(url) && url.length <= 2_048),
);

const metadataKey = fc
  .oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: LIMITS.maxMetadataKeyChars }),
    fc.constantFrom('campaign', 'toString', 'constructor', 'hasOwnProperty', 'k'.repeat(40)),
  )
  .filter((key) => key !== '__proto__' && [...key].length <= LIMITS.maxMetadataKeyChars);

const validMetadata = fc.oneof(
  fc.dictionary(
    metadataKey,
    fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      repeated(LIMITS.maxMetadataValueChars),
    ),
    { maxKeys: 6 },
  ),
  // The limits themselves: 50 keys.
  fc.constant(
    Object.fromEntries(
      Array.from({ length: LIMITS.maxMetadataKeys }, (_, i) => [`key${i}`, `value ${i}`]),
    ),
  ),
);

export type Json = unknown;

/** A valid create-batch body (1–4 items), made awkward but legal. */
export const validBody = fc.record(
  {
    items: fc.array(validItem, { minLength: 1, maxLength: 4 }),
    webhook_url: validWebhookUrl,
    metadata: validMetadata,
  },
  { requiredKeys: ['items'] },
);

// ------------------------------------------------------------------------------------------------
// Breakages: each one alone makes a body invalid.

const notIn =
  <T>(allowed: readonly T[]) =>
  (value: unknown) =>
    !allowed.includes(value as T);

const badPrompt = fc.oneof(
  fc.constant(undefined), // missing
  nonString,
  fc.constant(''),
  blank,
  repeated(LIMITS.maxPromptChars + 1),
  unstorable,
);

const badModel = fc.oneof(
  fc.constant(undefined),
  nonString,
  fc.constantFrom('', 'SORA-2', ' sora-2', 'sora-2 ', 'sora-2\u0000', 'retired-model', 'sora-3'),
  fc.string({ unit: 'grapheme', maxLength: 20 }).filter(notIn([MODEL])),
  repeated(LIMITS.maxModelIdChars + 1),
  unstorable,
);

const badSeconds = fc.oneof(
  fc.integer().filter(notIn(SECONDS)),
  fc.double().filter(notIn(SECONDS)),
  fc.constantFrom(0, -4, 4.5, 1e308, 2 ** 53 + 4, Number.MAX_SAFE_INTEGER, '4', null, [4], true),
);

const badSize = fc.oneof(
  fc.string({ maxLength: 12 }).filter(notIn(SIZES)),
  fc.constantFrom('1280X720', ' 1280x720', '1280x720\u0000', '1920x1080', '99999x99999', 1280),
  nonString,
);

const ITEM_FIELDS = ['prompt', 'model', 'seconds', 'size'];
const TOP_FIELDS = ['items', 'webhook_url', 'metadata'];
const unknownKey = (known: string[]) =>
  fc
    .oneof(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.constantFrom('Prompt', 'MODEL', 'items ', 'priority', '', '0', 'style', '\u0000'),
    )
    .filter(notIn(known));

const PRIVATE_HOSTS = [
  '127.0.0.1',
  '127.1.2.3',
  '10.0.0.1',
  '172.16.0.1',
  '172.31.255.254',
  '192.168.1.1',
  '169.254.169.254',
  '100.64.0.1',
  '0.0.0.0',
  '224.0.0.1',
  '255.255.255.255',
  '192.0.2.1',
  '0x7f.1',
  '2130706433',
  '017700000001',
  '0',
  '10.1',
  '[::1]',
  '[::]',
  '[fe80::1]',
  '[fd00::1]',
  '[::ffff:127.0.0.1]',
  '[::ffff:7f00:1]',
  '[::127.0.0.1]',
  '[64:ff9b::7f00:1]',
  '[2001:db8::1]',
  'localhost',
  'LOCALHOST',
  'localhost.',
  'api.localhost',
  'box.localdomain',
];

const badWebhookUrl = fc.oneof(
  nonString,
  fc.constantFrom(
    '',
    'not a url',
    '/webhook',
    '//customer.example/hook',
    'customer.example/hook',
    'ftp://customer.example/hook',
    'javascript:alert(1)',
    'file:///etc/passwd',
    'data:text/plain,hi',
    'ws://customer.example/hook',
    'gopher://customer.example/',
    'https://user:secret@customer.example/hook',
    'https://user@customer.example/hook',
    // Plain http is refused unless the deployment allows private networks (this one does not).
    'http://customer.example/hook',
    'https://customer.example/hook\u0000',
    `https://customer.example/${'w'.repeat(LIMITS.maxWebhookUrlChars)}`,
  ),
  fc.constantFrom(...PRIVATE_HOSTS).map((host) => `https://${host}/hook`),
  fc
    .tuple(
      fc.constantFrom('10', '127', '192.168', '172.20', '169.254'),
      fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 3, maxLength: 3 }),
    )
    .map(([prefix, octets]) => {
      const parts = [...prefix.split('.'), ...octets.map(String)].slice(0, 4);
      return `https://${parts.join('.')}:${octets[0]}/hook`;
    }),
  unstorable.map((text) => `https://customer.example/${text}`),
);

const badMetadata = fc.oneof(
  fc.oneof(fc.array(fc.string(), { maxLength: 3 }), fc.string(), fc.integer(), fc.boolean()),
  fc.constant(null),
  fc.tuple(metadataKey, nonString).map(([key, value]) => ({ [key]: value })),
  fc.tuple(metadataKey, deep).map(([key, value]) => ({ [key]: value })),
  fc
    .integer({ min: LIMITS.maxMetadataKeys + 1, max: 200 })
    .map((count) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, 'v']))),
  fc.constant({ '': 'empty key' }),
  repeated(LIMITS.maxMetadataKeyChars + 1).map((key) => ({ [key]: 'v' })),
  unstorable.map((key) => ({ [key]: 'v' })),
  fc.tuple(metadataKey, repeated(LIMITS.maxMetadataValueChars + 1)).map(([k, v]) => ({ [k]: v })),
  fc.tuple(metadataKey, unstorable).map(([key, value]) => ({ [key]: value })),
);

/** One way to break a body; `index` picks an item (modulo the item count). */
export type Breakage =
  | { at: 'body'; value: Json }
  | { at: 'items'; value: Json }
  | { at: 'itemCount'; count: number }
  | { at: 'item'; index: number; value: Json }
  | { at: 'field'; index: number; field: string; value: Json }
  | { at: 'itemKey'; index: number; key: string; value: Json }
  | { at: 'topKey'; key: string; value: Json }
  | { at: 'webhook_url'; value: Json }
  | { at: 'metadata'; value: Json };

const index = fc.nat({ max: 3 });

export const breakage: fc.Arbitrary<Breakage> = fc.oneof(
  fc.record({
    at: fc.constant('body' as const),
    value: fc.oneof(
      nonString.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
      fc.string({ maxLength: 20 }),
      validBody.map((body) => [body]),
    ),
  }),
  fc.record({
    at: fc.constant('items' as const),
    value: fc.oneof(
      fc.constant(undefined),
      fc.string(),
      fc.integer(),
      fc.constant(null),
      validItem, // one item where an array goes
      deep,
      fc.dictionary(fc.string({ maxLength: 3 }), validItem, { maxKeys: 2 }),
    ),
  }),
  fc.record({
    at: fc.constant('itemCount' as const),
    count: fc.constantFrom(0, LIMITS.maxItems + 1, LIMITS.maxItems + 50),
  }),
  fc.record({
    at: fc.constant('item' as const),
    index,
    value: fc.oneof(
      nonString.filter((v) => typeof v !== 'object' || Array.isArray(v)),
      deep,
    ),
  }),
  fc.oneof(
    fc.record({
      at: fc.constant('field' as const),
      index,
      field: fc.constant('prompt'),
      value: badPrompt,
    }),
    fc.record({
      at: fc.constant('field' as const),
      index,
      field: fc.constant('model'),
      value: badModel,
    }),
    fc.record({
      at: fc.constant('field' as const),
      index,
      field: fc.constant('seconds'),
      value: badSeconds,
    }),
    fc.record({
      at: fc.constant('field' as const),
      index,
      field: fc.constant('size'),
      value: badSize,
    }),
  ),
  fc.record({
    at: fc.constant('itemKey' as const),
    index,
    key: unknownKey(ITEM_FIELDS),
    value: fc.oneof(fc.jsonValue({ maxDepth: 3 }), deep),
  }),
  fc.record({
    at: fc.constant('topKey' as const),
    key: unknownKey(TOP_FIELDS),
    value: fc.oneof(fc.jsonValue({ maxDepth: 3 }), deep),
  }),
  fc.record({ at: fc.constant('webhook_url' as const), value: badWebhookUrl }),
  fc.record({ at: fc.constant('metadata' as const), value: badMetadata }),
);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Sets or (for `undefined`) deletes a key; `__proto__` becomes an own key, as JSON makes it. */
function put(target: Record<string, unknown>, key: string, value: unknown) {
  if (value === undefined) delete target[key];
  else
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
}

/** `body` with `broken` applied (a copy; `body` is left alone). */
export function applyBreakage(body: Json, broken: Breakage): Json {
  const copy = structuredClone(body) as Json;
  if (broken.at === 'body') return broken.value;
  if (!isObject(copy)) return copy; // already not an object: broken by an earlier breakage
  const items = Array.isArray(copy.items) ? copy.items : null;
  const nth = (i: number) => (items && items.length > 0 ? i % items.length : -1);
  switch (broken.at) {
    case 'items':
      put(copy, 'items', broken.value);
      break;
    case 'itemCount': {
      // Short items after the first: 10,001 long prompts would only test the body size limit.
      // Each its own object: a later breakage of one item must not break all 10,000 of them.
      const first = items?.[0] ?? { prompt: 'a', model: MODEL };
      copy.items = Array.from({ length: broken.count }, (_, i) =>
        i === 0 ? first : { prompt: 'a', model: MODEL },
      );
      break;
    }
    case 'item':
      if (items && nth(broken.index) >= 0) items[nth(broken.index)] = broken.value;
      break;
    case 'field':
    case 'itemKey': {
      const item = items?.[nth(broken.index)];
      if (!isObject(item)) break; // not an object any more: already broken
      if (broken.at === 'field') put(item, broken.field, broken.value);
      else put(item, broken.key, broken.value);
      break;
    }
    case 'topKey':
      put(copy, broken.key, broken.value);
      break;
    case 'webhook_url':
    case 'metadata':
      put(copy, broken.at, broken.value);
      break;
  }
  return copy;
}

// ------------------------------------------------------------------------------------------------
// Breakages of the JSON text itself (each one makes it unparseable or not an object).

export type TextBreakage =
  | { text: 'truncate'; keep: number }
  | { text: 'append'; suffix: string }
  | { text: 'prepend'; prefix: string }
  | { text: 'singleQuotes' }
  | { text: 'replace'; with: string };

/** Invalid JSON texts, and JSON texts the server must refuse as JSON (prototype pollution). */
export const INVALID_JSON_TEXTS = [
  '',
  '   \n ',
  'NaN',
  'undefined',
  '{items: []}',
  "{'items': []}",
  '{"items": [] /* none */}',
  '{"items": [],}',
  '{} {}',
  '{"items":[{"prompt":"a","model":"sora-2","seconds":NaN}]}',
  '{"items":[{"prompt":"a","model":"sora-2","seconds":Infinity}]}',
  '{"items":[{"prompt":"a","model":"sora-2","seconds":0x10}]}',
  '{"items":[{"prompt":"a","model":"sora-2","seconds":01}]}',
  '{"items":[{"prompt":"a\\x41","model":"sora-2"}]}',
  '{"items":[{"prompt":"tab\there","model":"sora-2"}]}',
  '{"items":[{"prompt":"a","model":"sora-2"}],"__proto__":{"admin":true}}',
  '{"items":[{"prompt":"a","model":"sora-2","__proto__":{"x":1}}]}',
  '{"items":[{"prompt":"a","model":"sora-2"}],"constructor":{"prototype":{"admin":true}}}',
  `{"items":[${'['.repeat(200_000)}`,
  '\u0000',
  '{"items":[{"prompt":"a","model":"sora-2"}]}\u0000',
];

export const textBreakage: fc.Arbitrary<TextBreakage> = fc.oneof(
  fc.record({ text: fc.constant('truncate' as const), keep: fc.nat() }),
  fc.record({
    text: fc.constant('append' as const),
    suffix: fc.constantFrom(',', '}', ']', ' x', '{}', 'null', '\u0000', '"'),
  }),
  fc.record({
    text: fc.constant('prepend' as const),
    prefix: fc.constantFrom('[', ',', 'x', ']', '{'),
  }),
  fc.record({ text: fc.constant('singleQuotes' as const) }),
  fc.record({
    text: fc.constant('replace' as const),
    with: fc.constantFrom(...INVALID_JSON_TEXTS),
  }),
);

/** The text of `body` broken by `broken`. */
export function breakText(json: string, broken: TextBreakage): string {
  switch (broken.text) {
    case 'truncate':
      return json.slice(0, broken.keep % json.length); // a proper prefix: never a whole value
    case 'append':
      return json + broken.suffix;
    case 'prepend':
      return broken.prefix + json;
    case 'singleQuotes':
      return json.replaceAll('"', "'");
    case 'replace':
      return broken.with;
  }
}

/** JSON text of a value (`undefined` as the empty string), deep-nesting placeholders expanded. */
export const toJsonText = (value: Json) =>
  (JSON.stringify(value) ?? '').replace(/"__deep_(\d+)__"/g, (_, depth: string) => {
    const n = Number(depth);
    return `${'['.repeat(n)}${']'.repeat(n)}`;
  });
