import { Button, Group, Modal, NumberInput, Stack, Textarea } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { notifySuccess } from '../../components/errors';
import { useFormat } from '../../components/format';
import { trpc } from '../../trpc';
import type { Account } from '../AccountsPage';

/**
 * A top-up (credits in) or an adjustment (either way, never 0), each with a mandatory reason that
 * the server writes into the ledger memo and the audit log. Mounted per account and kind
 * (keyed by the caller), so each opens with a fresh form.
 */
export function GrantModal({
  kind,
  account,
  onClose,
}: {
  kind: 'topup' | 'adjust';
  account: Account | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const utils = trpc.useUtils();
  const [credits, setCredits] = useState<string | number>('');
  const [reason, setReason] = useState('');
  const [touched, setTouched] = useState(false);

  const onDone = (result: { balanceAfter: number }) => {
    notifySuccess(
      t(kind === 'topup' ? 'accounts.toppedUp' : 'accounts.adjusted', {
        credits: kind === 'topup' ? format.number(Number(credits)) : format.signed(Number(credits)),
        balance: format.number(result.balanceAfter),
      }),
    );
    void utils.accounts.invalidate();
    void utils.ledger.list.invalidate();
    onClose();
  };
  const topUp = trpc.accounts.topUp.useMutation({ onSuccess: onDone });
  const adjust = trpc.accounts.adjust.useMutation({ onSuccess: onDone });
  const pending = topUp.isPending || adjust.isPending;

  const amount = typeof credits === 'number' ? credits : Number.NaN;
  const creditsError =
    kind === 'topup'
      ? Number.isInteger(amount) && amount >= 1
        ? null
        : t('accounts.creditsPositive')
      : Number.isInteger(amount) && amount !== 0
        ? null
        : t('accounts.creditsNonZero');
  const reasonError = reason.trim().length >= 3 ? null : t('accounts.reasonRequired');

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (!account || creditsError || reasonError) return;
    if (kind === 'topup')
      topUp.mutate({ accountId: account.accountId, credits: amount, reason: reason.trim() });
    else
      adjust.mutate({ accountId: account.accountId, creditsDelta: amount, reason: reason.trim() });
  };

  return (
    <Modal
      opened={account !== null}
      onClose={onClose}
      title={t(kind === 'topup' ? 'accounts.topUpTitle' : 'accounts.adjustTitle', {
        name: account?.name ?? '',
      })}
    >
      <form onSubmit={onSubmit}>
        <Stack>
          <NumberInput
            label={kind === 'topup' ? t('accounts.creditsToAdd') : t('accounts.adjustDelta')}
            value={credits}
            onChange={setCredits}
            allowDecimal={false}
            allowNegative={kind === 'adjust'}
            min={kind === 'topup' ? 1 : undefined}
            thousandSeparator
            required
            error={touched ? creditsError : null}
            data-autofocus
            data-testid="grant-credits"
          />
          <Textarea
            label={t('common.reason')}
            description={t('accounts.reasonHint')}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            required
            autosize
            minRows={2}
            maxLength={500}
            error={touched ? reasonError : null}
            data-testid="grant-reason"
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={pending} data-testid="grant-submit">
              {/* Not "Top up" again: the row's button keeps that name to itself. */}
              {kind === 'topup' ? t('accounts.submitTopUp') : t('accounts.submitAdjust')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
