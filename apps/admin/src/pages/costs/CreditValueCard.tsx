import { Alert, Button, Group, Modal, Paper, Stack, Text, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { notifySuccess } from '../../components/errors';
import { DateTime } from '../../components/format';
import { microsFromUsd, plainUsd, usdFromMicros } from '../../components/usd';
import { type RouterOutputs, trpc } from '../../trpc';

type CreditValue = RouterOutputs['costs']['report']['creditValue'];

/** The largest value the server takes (`costs.setCreditValue`): $1,000,000 per credit. */
const MAX_MICROS = 1_000_000_000_000;

function CreditValueModal({ current, onClose }: { current: CreditValue; onClose: () => void }) {
  const { t } = useTranslation();
  const utils = trpc.useUtils();
  const [text, setText] = useState(current ? plainUsd(current.perCredit) : '');
  const [touched, setTouched] = useState(false);
  const micros = microsFromUsd(text);
  const invalid = micros === null || micros < 1 || micros > MAX_MICROS;
  const save = trpc.costs.setCreditValue.useMutation({
    onSuccess: (value) => {
      void utils.costs.report.invalidate();
      notifySuccess(t('providerCosts.creditValueSaved', { value: usdFromMicros(value.perCredit) }));
      onClose();
    },
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (!invalid && micros !== null) save.mutate({ usdMicrosPerCredit: micros });
  };
  return (
    <Modal opened onClose={onClose} title={t('providerCosts.creditValueTitle')}>
      <form onSubmit={onSubmit}>
        <Stack>
          <TextInput
            label={t('providerCosts.creditValueInput')}
            description={t('providerCosts.creditValueHint')}
            leftSection="$"
            inputMode="decimal"
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            error={touched && invalid ? t('providerCosts.creditValueInvalid') : null}
            data-testid="credit-value-input"
            data-autofocus
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="credit-value-save">
              {t('common.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/**
 * What one credit is worth, the assumption every revenue and margin on the page rests on, with
 * who set it; finance changes it here (audited on the server as `credit_value.set`).
 */
export function CreditValueCard({ value }: { value: CreditValue }) {
  const { t } = useTranslation();
  const [editing, setEditing] = useState(false);
  return (
    <Paper withBorder p="sm" radius="md">
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <Stack gap={2}>
          <Text size="sm" c="dimmed" fw={500}>
            {t('providerCosts.creditValue')}
          </Text>
          <Text fw={700} size="lg" data-testid="credit-value">
            {value
              ? t('providerCosts.creditValueIs', { value: usdFromMicros(value.perCredit) })
              : t('providerCosts.creditValueUnset')}
          </Text>
          {value && (
            <Text size="xs" c="dimmed" data-testid="credit-value-by">
              {t('providerCosts.creditValueBy', { by: value.updatedBy })}{' '}
              <DateTime value={value.updatedAt} />
            </Text>
          )}
        </Stack>
        <Button
          size="xs"
          variant="light"
          onClick={() => setEditing(true)}
          data-testid="credit-value-edit"
        >
          {value ? t('providerCosts.changeCreditValue') : t('providerCosts.setCreditValue')}
        </Button>
      </Group>
      {!value && (
        <Alert color="yellow" mt="sm" data-testid="credit-value-unset">
          {t('providerCosts.creditValueUnsetBody')}
        </Alert>
      )}
      {editing && <CreditValueModal current={value} onClose={() => setEditing(false)} />}
    </Paper>
  );
}
