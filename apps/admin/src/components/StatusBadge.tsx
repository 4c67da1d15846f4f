import { Badge, type BadgeProps, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { en } from '../i18n/en';
import { useCodeLabels } from './codes';

const COLORS = {
  batch: {
    queued: 'gray',
    processing: 'blue',
    completed: 'teal',
    partial: 'yellow',
    failed: 'red',
    canceled: 'dark',
  },
  task: { queued: 'gray', running: 'blue', succeeded: 'teal', failed: 'red', canceled: 'dark' },
  settlement: { pending: 'gray', settled: 'teal', refunded: 'grape' },
  delivery: { pending: 'blue', delivered: 'teal', failed: 'red' },
} as const;

type Kind = keyof typeof COLORS;
type StatusKey = { [K in Kind]: `status.${K}.${keyof (typeof en)['status'][K] & string}` }[Kind];

/**
 * A status as a coloured badge, labelled in the current language. The English labels are the
 * exact API values (`queued`, `partial`, ...) so staff can match them with API responses; the
 * badge keeps the case as written.
 */
export function StatusBadge<K extends Kind>({
  kind,
  value,
  ...props
}: { kind: K; value: string } & BadgeProps & {
    'data-testid'?: string;
  }) {
  const { t } = useTranslation();
  const colors = COLORS[kind] as Record<string, string>;
  return (
    <Badge color={colors[value] ?? 'gray'} variant="light" tt="none" miw="max-content" {...props}>
      {t(`status.${kind}.${value}` as StatusKey, { defaultValue: value })}
    </Badge>
  );
}

const REF_TYPE_COLORS: Record<string, string> = {
  topup: 'teal',
  batch_upfront: 'orange',
  batch_refund: 'grape',
  adjustment: 'blue',
};

/** A ledger `ref_type`, labelled in the current language. */
export function RefTypeBadge({ value }: { value: keyof (typeof en)['refTypes'] }) {
  const { t } = useTranslation();
  return (
    <Badge color={REF_TYPE_COLORS[value] ?? 'gray'} variant="outline" tt="none" miw="max-content">
      {t(`refTypes.${value}`)}
    </Badge>
  );
}

/**
 * A task's stable error code (`timeout`, `content_policy`, ...): its label in the reader's
 * language, the code as the API spells it in the tooltip and in `data-code`.
 */
export function ErrorCodeBadge({ code }: { code: string }) {
  const labels = useCodeLabels();
  return (
    <Tooltip label={code} openDelay={300}>
      <Badge
        color="red"
        variant="outline"
        tt="none"
        miw="max-content"
        data-code={code}
        data-testid="error-code"
      >
        {labels.taskError(code)}
      </Badge>
    </Tooltip>
  );
}
