import { setMessages, t } from './lib/i18n'

export async function boot(locale) {
  const messages = await import(`../locales/${locale}.json`)
  setMessages(messages.default)
  document.title = t('app.title')
  console.info(t('app.ready'))
}
