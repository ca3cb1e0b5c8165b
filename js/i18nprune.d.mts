// The types of the ES module entry (js/i18nprune.mjs): the named exports of i18nprune.d.ts.
export * from './i18nprune.js'
