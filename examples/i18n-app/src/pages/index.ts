import { t } from '../lib/i18n'

export function renderHome(name: string): string {
  return [t('home.welcome', { name }), t('home.subtitle'), t("home.cta")].join('\n')
}

export const errorMessages = {
  notFound: () => t('errors.notFound'),
  offline: () => t('errors.offline'),
}
