import { t } from '../lib/i18n'

export function Header({ user }: { user?: string }) {
  return (
    <header>
      <h1>{t('app.title')}</h1>
      <nav>
        <a href="/">{t('nav.home')}</a>
        <a href="/settings">{t('nav.settings')}</a>
      </nav>
      {user ? <span>{t('auth.greeting', { name: user })}</span> : <button>{t('auth.signIn')}</button>}
    </header>
  )
}
