import {
  ActionIcon,
  Anchor,
  Group,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { Fragment, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { RoleNotice, useCan } from '../../auth';
import { BatchIndex, BatchIndexHeader } from '../../components/BatchIndex';
import { LedgerMemo } from '../../components/codes';
import { DateTime, Num, useFormat } from '../../components/format';
import { LedgerRowDetail } from '../../components/LedgerRowDetail';
import { Empty, QueryState } from '../../components/QueryState';
import { RefTypeBadge } from '../../components/StatusBadge';
import { trpc } from '../../trpc';

function Total({
  label,
  hint,
  value,
  testId,
}: {
  label: string;
  hint: string;
  value: number;
  testId: string;
}) {
  return (
    <Paper withBorder p="sm" radius="md">
      <Text size="sm" c="dimmed" fw={500} data-testid={`${testId}-label`}>
        {label}
      </Text>
      <Text size="xl" fw={700} component="div" mt={4} data-testid={testId}>
        <Num value={value} />
      </Text>
      <Text size="xs" c="dimmed" data-testid={`${testId}-hint`}>
        {hint}
      </Text>
    </Paper>
  );
}

/** The batch's money, straight from the ledger (finance and admin only). */
export function BillingTab({ batchId, live }: { batchId: string; live: boolean }) {
  // Support may not read the ledger: say so, and do not even ask the server.
  return useCan('finance') ? (
    <Billing batchId={batchId} live={live} />
  ) : (
    <RoleNotice needs="finance" />
  );
}

function Billing({ batchId, live }: { batchId: string; live: boolean }) {
  const { t } = useTranslation();
  const format = useFormat();
  const billing = trpc.batches.billing.useQuery(
    { batchId },
    { refetchInterval: live ? 2000 : false },
  );
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setExpanded((previous) => {
      const next = new Set(previous);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  return (
    <QueryState query={billing}>
      {(data) => (
        <Stack gap="md">
          {/* Totals are positive amounts named for what they are; the rows below keep their
              signed deltas (docs/ledger.md, "Sign convention"). */}
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <Total
              label={t('batch.billing.upfront')}
              hint={t('batch.billing.upfrontHint')}
              value={data.upfrontCredits}
              testId="billing-upfront-total"
            />
            <Total
              label={data.settled ? t('batch.billing.refund') : t('batch.billing.refundSoFar')}
              hint={t('batch.billing.refundHint')}
              value={data.refundedCredits}
              testId="billing-refund-total"
            />
            <Total
              label={data.settled ? t('batch.billing.net') : t('batch.billing.netSoFar')}
              hint={
                data.settled
                  ? t('batch.billing.netHint')
                  : t('batch.billing.netSoFarHint', {
                      spent: format.number(data.creditsSpent),
                      pending: format.number(data.pendingCredits),
                    })
              }
              value={data.netSpentCredits}
              testId="billing-net-spent"
            />
          </SimpleGrid>

          {/* Signed statements for offline checks (`pnpm ledger:verify --statement`). */}
          <Group gap="xs">
            <Text size="sm">{t('batch.billing.statement')}</Text>
            <Anchor
              href={`/admin/export/statements/${batchId}.json`}
              size="sm"
              data-testid="statement-json"
            >
              JSON
            </Anchor>
            <Anchor
              href={`/admin/export/statements/${batchId}.csv`}
              size="sm"
              data-testid="statement-csv"
            >
              CSV
            </Anchor>
            <Anchor href="/admin/export/statement-public-key.pem" size="sm" c="dimmed">
              {t('batch.billing.publicKey')}
            </Anchor>
          </Group>

          <Title order={4}>{t('batch.billing.rows')}</Title>
          {data.rows.length === 0 ? (
            <Empty description={t('batch.billing.empty')} />
          ) : (
            <Table.ScrollContainer minWidth={800}>
              <Table striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th w={40} />
                    <Table.Th>{t('batch.billing.id')}</Table.Th>
                    <Table.Th>{t('common.type')}</Table.Th>
                    <BatchIndexHeader />
                    <Table.Th ta="right">{t('common.delta')}</Table.Th>
                    <Table.Th ta="right">{t('common.balanceAfter')}</Table.Th>
                    <Table.Th>{t('common.memo')}</Table.Th>
                    <Table.Th>{t('common.time')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.rows.map((row) => {
                    const open = expanded.has(row.id);
                    return (
                      <Fragment key={row.id}>
                        <Table.Tr data-testid="billing-ledger-row">
                          <Table.Td>
                            <ActionIcon
                              variant="subtle"
                              size="sm"
                              aria-expanded={open}
                              aria-label={open ? t('common.collapse') : t('common.expand')}
                              onClick={() => toggle(row.id)}
                              data-testid="billing-ledger-expand"
                            >
                              {open ? '▾' : '▸'}
                            </ActionIcon>
                          </Table.Td>
                          <Table.Td ff="monospace">{row.id}</Table.Td>
                          <Table.Td>
                            <RefTypeBadge value={row.refType} />
                          </Table.Td>
                          <Table.Td ta="right">
                            <BatchIndex value={row.taskIndex} />
                          </Table.Td>
                          <Table.Td ta="right">
                            <Num value={row.creditsDelta} signed colored />
                          </Table.Td>
                          <Table.Td ta="right">
                            <Num value={row.balanceAfter} />
                          </Table.Td>
                          <Table.Td maw={320}>
                            <LedgerMemo row={{ ...row, refId: batchId }} />
                          </Table.Td>
                          <Table.Td>
                            <DateTime value={row.createdAt} />
                          </Table.Td>
                        </Table.Tr>
                        {open && (
                          <Table.Tr data-testid="billing-ledger-detail">
                            <Table.Td />
                            <Table.Td colSpan={7}>
                              <LedgerRowDetail
                                row={row}
                                taskHref={
                                  row.taskId
                                    ? `/batches/${batchId}?tab=tasks&task=${row.taskId}`
                                    : null
                                }
                              />
                            </Table.Td>
                          </Table.Tr>
                        )}
                      </Fragment>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </Stack>
      )}
    </QueryState>
  );
}
