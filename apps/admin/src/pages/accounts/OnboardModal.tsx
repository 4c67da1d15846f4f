import { Button, Group, Modal, NumberInput, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../../components/format';
import { SecretModal } from '../../components/SecretModal';
import { type RouterOutputs, trpc } from '../../trpc';

type Onboarded = RouterOutputs['accounts']['onboard'];

/**
 * A pilot customer in one step (admin): the account, its first credits (a `topup` with the
 * reason) and an API key, whose secret is then shown once.
 */
export function OnboardModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const utils = trpc.useUtils();
  const [name, setName] = useState('');
  const [credits, setCredits] = useState<string | number>(0);
  const [reason, setReason] = useState('');
  const [keyName, setKeyName] = useState('Production');
  const [touched, setTouched] = useState(false);
  const [result, setResult] = useState<Onboarded | null>(null);

  const onboard = trpc.accounts.onboard.useMutation({
    onSuccess: (value) => {
      setResult(value);
      setName('');
      setCredits(0);
      setReason('');
      setTouched(false);
      void utils.accounts.invalidate();
      onClose();
    },
  });

  const amount = typeof credits === 'number' ? credits : Number.NaN;
  const errors = {
    name: name.trim() ? null : t('users.nameRequired'),
    credits: Number.isInteger(amount) && amount >= 0 ? null : t('accounts.creditsPositive'),
    reason: reason.trim().length >= 3 ? null : t('accounts.reasonRequired'),
    keyName: keyName.trim() ? null : t('users.nameRequired'),
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (Object.values(errors).some(Boolean)) return;
    onboard.mutate({
      name: name.trim(),
      credits: amount,
      reason: reason.trim(),
      keyName: keyName.trim(),
    });
  };

  return (
    <>
      <Modal opened={opened} onClose={onClose} title={t('accounts.onboardTitle')}>
        <form onSubmit={onSubmit}>
          <Stack>
            <TextInput
              label={t('accounts.onboardName')}
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              required
              maxLength={200}
              error={touched && errors.name}
              data-autofocus
              data-testid="onboard-name"
            />
            <NumberInput
              label={t('accounts.onboardCredits')}
              value={credits}
              onChange={setCredits}
              allowDecimal={false}
              allowNegative={false}
              thousandSeparator
              error={touched && errors.credits}
              data-testid="onboard-credits"
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
              error={touched && errors.reason}
              data-testid="onboard-reason"
            />
            <TextInput
              label={t('accounts.onboardKeyName')}
              value={keyName}
              onChange={(e) => setKeyName(e.currentTarget.value)}
              required
              maxLength={100}
              error={touched && errors.keyName}
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                {t('common.cancel')}
              </Button>
              <Button type="submit" loading={onboard.isPending} data-testid="onboard-submit">
                {t('accounts.onboard')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
      <SecretModal
        title={t('accounts.secretTitle')}
        secret={result?.secret ?? null}
        onClose={() => setResult(null)}
      >
        {result && (
          <Text size="sm">
            {t('accounts.onboarded', { balance: format.number(result.balance) })} ·{' '}
            <Text span ff="monospace">
              {result.accountId}
            </Text>
          </Text>
        )}
      </SecretModal>
    </>
  );
}
