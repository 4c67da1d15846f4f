import { Code, Paper, Spoiler, Table, Text } from '@mantine/core';
import { keepPreviousData } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { CodeLabel, useCodeLabels } from '../components/codes';
import { UrlTextFilter } from '../components/filters';
import { DateTime } from '../components/format';
import { Page } from '../components/Page';
import { Pager } from '../components/Pager';
import { Empty, QueryState } from '../components/QueryState';
import { useUrlState } from '../components/url-state';
import { trpc } from '../trpc';

/** A before/after snapshot, folded when long. */
function Json({ value }: { value: unknown }) {
  const { t } = useTranslation();
  if (value === null || value === undefined) return <>—</>;
  return (
    <Spoiler maxHeight={72} showLabel={t('common.showMore')} hideLabel={t('common.hide')}>
      <Code block fz="xs" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
        {JSON.stringify(value, null, 2)}
      </Code>
    </Spoiler>
  );
}

/** Every money, key and user action, with the acting staff member (finance and admin). */
export function AuditPage() {
  const { t } = useTranslation();
  const labels = useCodeLabels();
  const { get } = useUrlState();
  const audit = trpc.ledger.audit.useQuery(
    {
      targetId: get('targetId') || undefined,
      cursor: get('cursor') || null,
      limit: 50,
    },
    { placeholderData: keepPreviousData },
  );

  return (
    <Page title={t('audit.title')}>
      <Paper withBorder p="sm" maw={480}>
        <UrlTextFilter param="targetId" label={t('audit.targetId')} data-testid="audit-target" />
      </Paper>
      <QueryState
        query={audit}
        isEmpty={(d) => d.items.length === 0}
        empty={<Empty title={t('audit.empty')} />}
      >
        {(data) => (
          <Table.ScrollContainer minWidth={1100}>
            <Table striped verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('common.time')}</Table.Th>
                  <Table.Th>{t('common.actor')}</Table.Th>
                  <Table.Th>{t('audit.action')}</Table.Th>
                  <Table.Th>{t('audit.target')}</Table.Th>
                  <Table.Th w="25%">{t('audit.before')}</Table.Th>
                  <Table.Th w="25%">{t('audit.after')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((entry) => (
                  <Table.Tr key={entry.id} data-testid="audit-row">
                    <Table.Td>
                      <DateTime value={entry.createdAt} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" title={entry.actor}>
                        {labels.actor(entry.actor)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <CodeLabel label={labels.auditAction(entry.action)} code={entry.action} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" title={entry.targetType}>
                        {labels.auditTarget(entry.targetType)}
                      </Text>
                      <Text size="xs" c="dimmed" ff="monospace">
                        {entry.targetId}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Json value={entry.before} />
                    </Table.Td>
                    <Table.Td>
                      <Json value={entry.after} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryState>
      <Pager nextCursor={audit.data?.nextCursor} fetching={audit.isFetching} />
    </Page>
  );
}
