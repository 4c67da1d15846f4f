import { Button, Group, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useCan } from '../auth';
import { Num } from '../components/format';
import { Page } from '../components/Page';
import { Empty, QueryState } from '../components/QueryState';
import { type RouterOutputs, trpc } from '../trpc';
import { ApiKeysModal } from './accounts/ApiKeysModal';
import { GrantModal } from './accounts/GrantModal';
import { OnboardModal } from './accounts/OnboardModal';
import { StorageModal } from './accounts/StorageModal';
import { useBytes } from './batch/VideoCell';

export type Account = RouterOutputs['accounts']['list'][number];

/** What the open modal is doing, and for which account. */
type Action =
  | { kind: 'topup' | 'adjust' | 'keys' | 'storage'; account: Account }
  | { kind: 'onboard' }
  | null;

/** Balances (balance, reserved, available) and the money and key actions on each account. */
export function AccountsPage() {
  const { t } = useTranslation();
  const canMoveMoney = useCan('finance');
  const canManageKeys = useCan('admin');
  const accounts = trpc.accounts.list.useQuery();
  const storage = trpc.storage.byAccount.useQuery();
  const bytes = useBytes();
  const usageOf = (accountId: string) =>
    storage.data?.find((entry) => entry.accountId === accountId);
  const [action, setAction] = useState<Action>(null);
  const close = () => setAction(null);

  return (
    <Page
      title={t('accounts.title')}
      actions={
        canManageKeys && (
          <Button onClick={() => setAction({ kind: 'onboard' })} data-testid="onboard-button">
            {t('accounts.onboard')}
          </Button>
        )
      }
    >
      <QueryState
        query={accounts}
        isEmpty={(d) => d.length === 0}
        empty={<Empty title={t('accounts.empty')} />}
      >
        {(data) => (
          <Table.ScrollContainer minWidth={800}>
            <Table striped highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('accounts.name')}</Table.Th>
                  <Table.Th ta="right">{t('accounts.balance')}</Table.Th>
                  <Table.Th ta="right">{t('accounts.reserved')}</Table.Th>
                  <Table.Th ta="right">{t('accounts.available')}</Table.Th>
                  <Table.Th ta="right">{t('accounts.storage.used')}</Table.Th>
                  <Table.Th>{t('common.actions')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.map((account) => (
                  <Table.Tr key={account.accountId} data-testid="account-row">
                    <Table.Td>
                      <Text fw={500}>{account.name}</Text>
                      <Text size="xs" c="dimmed" ff="monospace">
                        {account.accountId}
                      </Text>
                    </Table.Td>
                    <Table.Td ta="right" data-testid="account-balance">
                      <Num value={account.balance} />
                    </Table.Td>
                    <Table.Td ta="right" data-testid="account-reserved">
                      <Num value={account.reservedCredits} />
                    </Table.Td>
                    <Table.Td ta="right" data-testid="account-available">
                      <Num value={account.availableCredits} />
                    </Table.Td>
                    <Table.Td ta="right" data-testid="account-storage">
                      {(() => {
                        const usage = usageOf(account.accountId);
                        return usage ? (
                          <Text size="sm" span>
                            {bytes(usage.storedBytes)}
                            <Text span size="xs" c="dimmed">
                              {' · '}
                              {t('accounts.storage.videoCount', { count: usage.storedVideos })}
                            </Text>
                          </Text>
                        ) : (
                          '—'
                        );
                      })()}
                    </Table.Td>
                    <Table.Td>
                      <Group gap="xs" wrap="nowrap">
                        <Button
                          size="xs"
                          variant="subtle"
                          component={Link}
                          to={`/batches?accountId=${account.accountId}`}
                        >
                          {t('nav.batches')}
                        </Button>
                        {canMoveMoney && (
                          <>
                            <Button
                              size="xs"
                              onClick={() => setAction({ kind: 'topup', account })}
                              data-testid="topup-button"
                            >
                              {t('accounts.topUp')}
                            </Button>
                            <Button
                              size="xs"
                              variant="light"
                              onClick={() => setAction({ kind: 'adjust', account })}
                              data-testid="adjust-button"
                            >
                              {t('accounts.adjust')}
                            </Button>
                          </>
                        )}
                        <Button
                          size="xs"
                          variant="default"
                          onClick={() => setAction({ kind: 'storage', account })}
                          data-testid="storage-button"
                        >
                          {t('accounts.storage.button')}
                        </Button>
                        {canManageKeys && (
                          <Button
                            size="xs"
                            variant="default"
                            onClick={() => setAction({ kind: 'keys', account })}
                            data-testid="api-keys-button"
                          >
                            {t('accounts.apiKeys')}
                          </Button>
                        )}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryState>

      <GrantModal
        key={action && 'account' in action ? `${action.kind}:${action.account.accountId}` : 'none'}
        kind={action?.kind === 'adjust' ? 'adjust' : 'topup'}
        account={action?.kind === 'topup' || action?.kind === 'adjust' ? action.account : null}
        onClose={close}
      />
      <ApiKeysModal
        key={action?.kind === 'keys' ? action.account.accountId : 'none'}
        account={action?.kind === 'keys' ? action.account : null}
        onClose={close}
      />
      <StorageModal
        key={action?.kind === 'storage' ? `storage:${action.account.accountId}` : 'no-storage'}
        account={action?.kind === 'storage' ? action.account : null}
        onClose={close}
      />
      <OnboardModal opened={action?.kind === 'onboard'} onClose={close} />
    </Page>
  );
}
