import { Badge, Paper, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useCodeLabels } from '../../components/codes';
import { DateTime, useFormat } from '../../components/format';
import { shortId } from '../../components/Page';
import { QueryState } from '../../components/QueryState';
import { trpc } from '../../trpc';
import { budgetTarget, type Overview } from './types';

/** Every alert that fired for the account, newest first, with the webhook event that carried it. */
export function AlertsCard({ accountId, overview }: { accountId: string; overview: Overview }) {
  const { t } = useTranslation();
  const labels = useCodeLabels();
  const format = useFormat();
  const alerts = trpc.finance.alerts.useQuery({ accountId, limit: 50 });
  return (
    <Paper withBorder p="md" radius="md">
      <Title order={4} mb="sm">
        {t('finance.alerts')}
      </Title>
      <QueryState query={alerts}>
        {(page) =>
          page.items.length === 0 ? (
            <Text c="dimmed">{t('finance.noAlerts')}</Text>
          ) : (
            <Table.ScrollContainer minWidth={640}>
              <Table data-testid="alerts-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('common.time')}</Table.Th>
                    <Table.Th>{t('common.type')}</Table.Th>
                    <Table.Th>{t('finance.details')}</Table.Th>
                    <Table.Th>{t('finance.delivery')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {page.items.map((alert) => {
                    const budget = overview.budgets.find((b) => b.id === alert.budgetId);
                    return (
                      <Table.Tr key={alert.id} data-testid="alert-row">
                        <Table.Td>
                          <DateTime value={alert.createdAt} />
                        </Table.Td>
                        <Table.Td>
                          <Badge
                            variant="light"
                            color={alert.kind === 'balance_low' ? 'red' : 'orange'}
                          >
                            {labels.webhookEvent(
                              alert.kind === 'balance_low'
                                ? 'balance.low'
                                : 'budget.threshold_crossed',
                            )}
                          </Badge>
                        </Table.Td>
                        <Table.Td>
                          {alert.kind === 'balance_low'
                            ? t('finance.alertBalance', {
                                balance: format.number(alert.balance ?? 0),
                                level: format.number(alert.lowBalanceCredits ?? 0),
                              })
                            : `${budget ? `${budgetTarget(t, overview, budget)} · ` : ''}${t(
                                'finance.alertBudget',
                                {
                                  percent: alert.thresholdPercent ?? 0,
                                  cap: format.number(alert.capCredits ?? 0),
                                  used: format.number(alert.usedCredits ?? 0),
                                  period: alert.period ?? '',
                                },
                              )}`}
                        </Table.Td>
                        <Table.Td>
                          {alert.deliveryId ? (
                            <Text size="sm" ff="monospace" title={alert.deliveryId}>
                              {shortId(alert.deliveryId)}
                            </Text>
                          ) : (
                            <Text size="sm" c="dimmed">
                              {t('finance.notSent')}
                            </Text>
                          )}
                        </Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        }
      </QueryState>
    </Paper>
  );
}
