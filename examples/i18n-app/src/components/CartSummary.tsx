import { t } from '../lib/i18n'

export function CartSummary({ count, total }: { count: number; total: string }) {
  const label = count === 1 ? t('cart.item') : t('cart.items', { count })
  return (
    <section aria-label={t('cart.title')}>
      <p>{label}</p>
      <p>{t(`cart.total`, { total })}</p>
      <button>{t('cart.checkout')}</button>
      {/* A key the locales do not have yet: reported missing. */}
      <small>{t('cart.freeShippingHint')}</small>
    </section>
  )
}
