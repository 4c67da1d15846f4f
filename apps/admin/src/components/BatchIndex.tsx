import { Table, Text, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/**
 * The header of a `batch_index` column, the same on every screen: the CLI, the API and the
 * manifest all number tasks by it, and the tooltip says how it maps to a line of the file.
 */
export function BatchIndexHeader() {
  const { t } = useTranslation();
  return (
    <Table.Th ta="right">
      <Tooltip label={t('common.batchIndexHint')} multiline maw={360} withArrow>
        <span style={{ textDecoration: 'underline dotted', cursor: 'help' }}>
          {t('common.batchIndex')}
        </span>
      </Tooltip>
    </Table.Th>
  );
}

/** A task's `batch_index`, written `#7` as the CLI writes it. */
export function BatchIndex({ value }: { value: number | null }) {
  if (value === null) return <>—</>;
  return (
    <Text span ff="monospace" size="sm" data-testid="batch-index">
      #{value}
    </Text>
  );
}
