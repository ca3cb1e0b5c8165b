'use strict'
// `cachecore/i18nprune` for Node (CommonJS): i18nprune's cache surface over the native addon.
// See i18nprune/layer.cjs.

const { createDropIn } = require('./i18nprune/layer.cjs')

module.exports = createDropIn(require('./index.cjs'))
