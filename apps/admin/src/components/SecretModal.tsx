import { Alert, Button, Code, CopyButton, Group, Modal, Stack } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * Shows a secret (an API key, a generated password) exactly once, with a copy button. The server
 * keeps only a hash, so closing this is the last chance to see it.
 */
export function SecretModal({
  title,
  secret,
  onClose,
  children,
}: {
  title: string;
  secret: string | null;
  onClose: () => void;
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Modal
      opened={secret !== null}
      onClose={onClose}
      title={title}
      size="lg"
      closeOnClickOutside={false}
    >
      <Stack>
        <Alert color="yellow">{t('common.shownOnce')}</Alert>
        {children}
        <Code
          block
          data-testid="secret-value"
          style={{ overflowWrap: 'anywhere', whiteSpace: 'pre-wrap' }}
        >
          {secret}
        </Code>
        <Group justify="flex-end">
          <CopyButton value={secret ?? ''}>
            {({ copied, copy }) => (
              <Button color={copied ? 'teal' : undefined} onClick={copy} data-testid="copy-secret">
                {copied ? t('common.copied') : t('common.copy')}
              </Button>
            )}
          </CopyButton>
          <Button variant="default" onClick={onClose}>
            {t('common.close')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
