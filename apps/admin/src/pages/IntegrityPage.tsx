import { Alert, Anchor, Button, Group, Paper, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { CodeLabel, useCodeLabels } from '../components/codes';
import { DateTime, Num, useFormat } from '../components/format';
import { Page } from '../components/Page';
import { QueryState } from '../components/QueryState';
import { trpc } from '../trpc';

/** Every money invariant (docs/product.md §5) checked over the whole database, on demand. */
export function IntegrityPage() {
  const { t } = useTranslation();
  const labels = useCodeLabels();
  const format = useFormat();
  // A full scan: run it when the page opens or on request, not on every window focus.
  const check = trpc.ledger.integrity.useQuery(undefined, {
    refetchOnWindowFocus: false,
    staleTime: Number.POSITIVE_INFINITY,
  });

  return (
    <Page
      title={t('integrity.title')}
      subtitle={t('integrity.subtitle')}
      actions={
        <Button
          onClick={() => void check.refetch()}
          loading={check.isFetching}
          data-testid="integrity-run"
        >
          {t('integrity.run')}
        </Button>
      }
    >
      <QueryState query={check}>
        {(data) => (
          <Stack>
            <SimpleGrid cols={{ base: 2, md: 5 }}>
              {(
                [
                  ['checkedAt', <DateTime value={data.checkedAt} key="c" />],
                  ['accounts', <Num value={data.accounts} key="a" />],
                  ['batches', <Num value={data.batches} key="b" />],
                  ['ledgerRows', <Num value={data.ledgerRows} key="l" />],
                  ['violations', <Num value={data.violations.length} key="v" />],
                ] as const
              ).map(([key, value]) => (
                <Paper withBorder p="sm" radius="md" key={key}>
                  <Text size="sm" c="dimmed" fw={500}>
                    {t(`integrity.${key}`)}
                  </Text>
                  <Text fw={700} component="div" data-testid={`integrity-${key}`}>
                    {value}
                  </Text>
                </Paper>
              ))}
            </SimpleGrid>
            {/* What was checked, over how many records: an auditor sees the scope, not only "OK". */}
            <Paper withBorder radius="md" p="sm">
              <Text fw={600} mb="xs">
                {t('integrity.checksTitle')}
              </Text>
              <Table verticalSpacing={4}>
                <Table.Tbody>
                  {data.checks.map((check) => (
                    <Table.Tr key={check.key} data-testid={`integrity-check-${check.key}`}>
                      <Table.Td w={140}>
                        {check.violations === 0 ? (
                          <Text size="sm" c="teal" fw={600}>
                            ✓ {t('integrity.checkOk')}
                          </Text>
                        ) : (
                          <Text size="sm" c="red" fw={600}>
                            ✗{' '}
                            {t('integrity.checkFailed', {
                              count: check.violations,
                              n: format.number(check.violations),
                            })}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">
                          {t(`integrity.checks.${check.key}`, {
                            count: check.checked,
                            n: format.number(check.checked),
                          })}
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Paper>
            {data.violations.length === 0 ? (
              <Alert color="teal" title={t('integrity.ok')} data-testid="integrity-ok">
                {t('integrity.okBody')}
              </Alert>
            ) : (
              <Table.ScrollContainer minWidth={900}>
                <Table striped>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t('integrity.code')}</Table.Th>
                      <Table.Th>{t('integrity.message')}</Table.Th>
                      <Table.Th>{t('integrity.refs')}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {data.violations.map((v, i) => (
                      // Violations have no id of their own; the list is replaced whole on re-check.
                      // biome-ignore lint/suspicious/noArrayIndexKey: see above
                      <Table.Tr key={i} data-testid="integrity-violation-row">
                        <Table.Td>
                          <CodeLabel label={labels.violation(v.code)} code={v.code} />
                        </Table.Td>
                        <Table.Td>{v.message}</Table.Td>
                        <Table.Td>
                          <Group gap="xs">
                            {v.batchId && (
                              <Anchor
                                component={Link}
                                to={`/batches/${v.batchId}?tab=billing`}
                                size="sm"
                                ff="monospace"
                              >
                                {t('common.batch')} {v.batchId.slice(0, 8)}
                              </Anchor>
                            )}
                            {v.accountId && (
                              <Anchor
                                component={Link}
                                to={`/ledger?accountId=${v.accountId}`}
                                size="sm"
                                ff="monospace"
                              >
                                {t('common.account')} {v.accountId.slice(0, 8)}
                              </Anchor>
                            )}
                            {v.ledgerRowId && (
                              <Text size="sm" ff="monospace">
                                {t('integrity.ledgerRow', { id: v.ledgerRowId })}
                              </Text>
                            )}
                            {v.taskId && (
                              <Text size="sm" ff="monospace">
                                {t('common.task')} {v.taskId.slice(0, 8)}
                              </Text>
                            )}
                          </Group>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
          </Stack>
        )}
      </QueryState>
    </Page>
  );
}
