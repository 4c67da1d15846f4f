import { Code, Group, Text, Tooltip } from '@mantine/core';
import type { TFunction } from 'i18next';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { en } from '../i18n/en';
import { shortId } from './Page';

type Codes = (typeof en)['codes'];

/**
 * Stable codes (error classes, integrity findings, audit actions, webhook events, system
 * actors) in the reader's language. A code the catalogue does not know yet is shown as is, so a
 * new server-side code is never hidden, only untranslated.
 */
export function codeLabels(t: TFunction) {
  // `codes.auditAction.account.topped_up` for `account.topped_up`: the dot nests the catalogue.
  const label = (group: keyof Codes, code: string) =>
    t(`codes.${group}.${code}` as never, { defaultValue: code }) as string;
  return {
    taskError: (code: string) => label('taskError', code),
    violation: (code: string) => label('violation', code),
    auditAction: (action: string) => label('auditAction', action),
    auditTarget: (type: string) => label('auditTarget', type),
    webhookEvent: (type: string) => label('webhookEvent', type),
    /** `system:worker` → "Worker (system)"; people (`admin:…`, `api_key:…`) as recorded. */
    actor: (actor: string) => {
      if (!actor.startsWith('system:')) return actor;
      const name = actor.slice('system:'.length);
      return t(`codes.actor.${name}` as never, {
        defaultValue: `${t('codes.actor.system')} (${name})`,
      }) as string;
    },
  };
}

export function useCodeLabels() {
  const { t } = useTranslation();
  return useMemo(() => codeLabels(t), [t]);
}

/** A translated label with its raw code beside it in monospace (what the API and exports say). */
export function CodeLabel({
  label,
  code,
  size = 'sm',
}: {
  label: string;
  code: string;
  size?: 'xs' | 'sm';
}) {
  if (label === code) return <Code>{code}</Code>;
  return (
    <Group gap={6} wrap="nowrap" align="baseline">
      <Text span size={size}>
        {label}
      </Text>
      <Code fz="xs" c="dimmed">
        {code}
      </Code>
    </Group>
  );
}

/** The fields of a ledger row a memo is rendered from. */
export interface MemoRow {
  refType: 'topup' | 'batch_upfront' | 'batch_refund' | 'adjustment';
  refId: string;
  taskIndex: number | null;
  memo: string | null;
  actor: string;
}

/**
 * A ledger memo for the reader. Memos the system wrote (`system:*` actors) are rendered from the
 * row's own data (type, batch, task) in the reader's language, the stored text kept in a tooltip
 * for auditors; memos people typed (top-up and adjustment reasons) are shown as typed.
 */
export function memoText(t: TFunction, row: MemoRow): string | null {
  if (!row.actor.startsWith('system:')) return row.memo;
  const batch = shortId(row.refId);
  switch (row.refType) {
    case 'batch_upfront':
      return t('memos.upfront', { batch });
    case 'batch_refund':
      return row.taskIndex === null
        ? t('memos.refundNoIndex', { batch })
        : t('memos.refund', { batch, index: row.taskIndex });
    default:
      return row.actor === 'system:seed' ? t('memos.demoGrant') : t('memos.systemGrant');
  }
}

export function LedgerMemo({ row }: { row: MemoRow }) {
  const { t } = useTranslation();
  const text = memoText(t, row);
  if (text === null) return <>—</>;
  if (text === row.memo || !row.memo) {
    return (
      <Text size="sm" lineClamp={2} data-testid="ledger-memo">
        {text}
      </Text>
    );
  }
  return (
    <Tooltip label={t('memos.recorded', { memo: row.memo })} multiline maw={420} openDelay={300}>
      <Text size="sm" lineClamp={2} data-testid="ledger-memo">
        {text}
      </Text>
    </Tooltip>
  );
}
