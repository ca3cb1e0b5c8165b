import { t } from '../lib/i18n'

const SECTIONS = ['profile', 'notifications'] as const

export default function SettingsPage() {
  return (
    <main>
      <h2>{t('settings.title')}</h2>
      {SECTIONS.map((s) => (
        // A dynamic key: hosts report it as a dynamic site, not a missing key.
        <h3 key={s}>{t(`settings.sections.${s}`)}</h3>
      ))}
      <label>{t('settings.language')}</label>
      <button>{t('settings.save')}</button>
    </main>
  )
}
