import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BATCH_STATUSES,
  DELIVERY_STATUSES,
  LEDGER_REF_TYPES,
  SETTLEMENT_STATUSES,
  STAFF_ROLES,
  TASK_ERROR_CODES,
  TASK_STATUSES,
  WEBHOOK_EVENTS,
} from '@batchreel/contracts';
import { ITEMS_FILE_PROBLEM_CODES } from '@batchreel/contracts/items-file';
import { describe, expect, it } from 'vitest';
import { en } from '../../admin/src/i18n/en';
import { zhCN } from '../../admin/src/i18n/zh-CN';
import { INTEGRITY_CODES } from '../src/ledger/integrity';
import { AUDIT_ACTIONS, AUDIT_TARGET_TYPES } from '../src/staff/audit';
import { STAFF_ERROR_REASONS } from '../src/trpc/errors';

// The admin app's two catalogues, checked against each other and against every code the server
// can put on a screen: a key missing in one language, or a new error code, audit action, status
// or refusal reason without a label, fails here instead of showing English (or a raw key) to a
// Chinese-reading finance team.

type Catalogue = { [key: string]: string | Catalogue };
const catalogues = { en, 'zh-CN': zhCN } as unknown as Record<string, Catalogue>;

/** Every leaf as `dotted.key` → text. */
function leaves(catalogue: Catalogue, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(catalogue)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of leaves(value, path)) out.set(k, v);
  }
  return out;
}

const english = leaves(catalogues.en as Catalogue);
const chinese = leaves(catalogues['zh-CN'] as Catalogue);

/** Texts that read the same in both languages: names, formats and codes. */
const SAME_IN_BOTH = new Set([
  'nav.webhooks', // a product term staff use untranslated
  'batch.billing.id', // "ID" is how Chinese writes it too
]);

const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe('admin translations', () => {
  it('have the same keys in English and Chinese, none empty', () => {
    const onlyEnglish = [...english.keys()].filter((key) => !chinese.has(key));
    const onlyChinese = [...chinese.keys()].filter((key) => !english.has(key));
    expect({ onlyEnglish, onlyChinese }).toEqual({ onlyEnglish: [], onlyChinese: [] });
    for (const [key, text] of [...english, ...chinese]) {
      expect(text.trim(), key).not.toBe('');
    }
  });

  it('fill in the same values ({{placeholders}}) in both languages', () => {
    for (const [key, text] of english) {
      expect(placeholders(chinese.get(key) ?? ''), key).toEqual(placeholders(text));
    }
  });

  it('translate every text (a Chinese text equal to the English one was forgotten)', () => {
    const untranslated = [...english]
      .filter(([key, text]) => chinese.get(key) === text && !SAME_IN_BOTH.has(key))
      // Codes the English catalogue shows as the API spells them keep them in Chinese too,
      // but always beside Chinese words.
      .map(([key]) => key);
    expect(untranslated).toEqual([]);
    const withoutChinese = [...chinese]
      .filter(([key, text]) => !SAME_IN_BOTH.has(key) && !/[\u3400-\u9fff]/.test(text))
      .map(([key, text]) => `${key}: ${text}`);
    expect(withoutChinese).toEqual([]);
  });

  it('label every code the server can show, in both languages', () => {
    const expected: string[] = [
      ...TASK_ERROR_CODES.map((code) => `codes.taskError.${code}`),
      ...INTEGRITY_CODES.map((code) => `codes.violation.${code}`),
      ...AUDIT_ACTIONS.map((action) => `codes.auditAction.${action}`),
      ...AUDIT_TARGET_TYPES.map((type) => `codes.auditTarget.${type}`),
      ...Object.keys(WEBHOOK_EVENTS).map((type) => `codes.webhookEvent.${type}`),
      ...LEDGER_REF_TYPES.map((type) => `refTypes.${type}`),
      ...BATCH_STATUSES.map((status) => `status.batch.${status}`),
      ...TASK_STATUSES.map((status) => `status.task.${status}`),
      ...SETTLEMENT_STATUSES.map((status) => `status.settlement.${status}`),
      ...DELIVERY_STATUSES.map((status) => `status.delivery.${status}`),
      ...STAFF_ROLES.map((role) => `roles.${role}`),
      ...STAFF_ERROR_REASONS.map((reason) => `errors.reasons.${reason}`),
      ...ITEMS_FILE_PROBLEM_CODES.map((code) => `newBatch.fileProblem.${code}`),
    ];
    const missing = expected.flatMap((key) => [
      ...(english.has(key) ? [] : [`en: ${key}`]),
      ...(chinese.has(key) ? [] : [`zh-CN: ${key}`]),
    ]);
    expect(missing).toEqual([]);
  });

  it('label every system actor and every error code the server writes (found by reading its source)', async () => {
    const source = await sourceOf(join(import.meta.dirname, '../src'));
    const actors = new Set([...source.matchAll(/'system:([a-z_]+)'/g)].map((m) => m[1]));
    expect(actors.size).toBeGreaterThan(0);
    for (const actor of actors) {
      expect(english.has(`codes.actor.${actor}`), `system:${actor}`).toBe(true);
      expect(chinese.has(`codes.actor.${actor}`), `system:${actor}`).toBe(true);
    }
    // Task error codes written as literals (errorCode: 'canceled', ProviderError('timeout', …)).
    const written = new Set(
      [
        ...source.matchAll(/errorCode: '([a-z_]+)'/g),
        ...source.matchAll(/new ProviderError\(\s*'([a-z_]+)'/g),
      ].map((m) => m[1] ?? ''),
    );
    expect(written.size).toBeGreaterThan(0);
    for (const code of written) {
      expect(TASK_ERROR_CODES as readonly string[], code).toContain(code);
    }
  });

  it('leaves no English text in the markup of the admin pages', async () => {
    const dir = join(import.meta.dirname, '../../admin/src');
    const offenders: string[] = [];
    for (const file of await filesOf(dir, '.tsx')) {
      const text = await readFile(file, 'utf8');
      // Text between tags, e.g. `<Text>Total</Text>`, and literal labels, e.g. `label="Total"`.
      const literals = [
        ...text.matchAll(/>\s*([A-Za-z][A-Za-z ,.'!?:-]*[A-Za-z.!?])\s*<\//g),
        ...text.matchAll(
          /\b(?:label|title|placeholder|description|aria-label|alt)="([^"]*[A-Za-z]{2,}[^"]*)"/g,
        ),
      ].map((m) => m[1] ?? '');
      for (const literal of literals) {
        if (!ALLOWED_LITERALS.has(literal)) offenders.push(`${file.slice(dir.length)}: ${literal}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

/** Literal words the admin may show in any language: file formats and brand names. */
const ALLOWED_LITERALS = new Set(['JSON', 'CSV', 'PDF', 'https://']);

async function filesOf(dir: string, extension: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(extension))
    .map((entry) => join(entry.parentPath, entry.name));
}

async function sourceOf(dir: string): Promise<string> {
  const files = (await filesOf(dir, '.ts')).filter((file) => !file.endsWith('.test.ts'));
  return (await Promise.all(files.map((file) => readFile(file, 'utf8')))).join('\n');
}
