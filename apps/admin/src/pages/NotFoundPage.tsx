import { Button, EmptyState } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';

export function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <EmptyState title={t('states.notFound')} description={t('states.notFoundBody')} py="xl">
      <EmptyState.Actions>
        <Button component={Link} to="/batches" variant="light">
          {t('states.backHome')}
        </Button>
      </EmptyState.Actions>
    </EmptyState>
  );
}
