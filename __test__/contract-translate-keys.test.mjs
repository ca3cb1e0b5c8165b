// The translator's cache identities against plain JavaScript references written from the
// contract: FNV-1a 64 over UTF-16 code units of the NUL-joined parts, `{{…}}` masked first,
// and the translate config epoch over JSON.stringify of the policy without secrets.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cachecore, fnv1a64 } from './helpers.mjs'

const { buildTranslateCacheKey, buildTranslateCacheKeyForLocaleFile, computeTranslateConfigEpoch } = cachecore

function mask(text) {
  let i = 0
  return text.replace(/\{\{([^}]+)\}\}/g, () => `__I18NPRUNE_${i++}__`)
}

const TEXTS = ['Hello', 'Hi {{name}}, you have {{ count }} messages', '{{}} {{a} {b}}', '{{{a}}', 'Grüße 😀 {{x\ny}}', '\ud800 lone surrogate {{s}}', '']

test('buildTranslateCacheKey equals FNV of epoch, provider, langs and the masked text', () => {
  for (const sourceText of TEXTS) {
    const input = { sourceText, sourceLang: 'en', targetLang: 'pt-BR', providerId: 'google', translateConfigEpoch: 'abc123' }
    const expected = fnv1a64(['abc123', 'google', 'en', 'pt-BR', mask(sourceText)].join('\0'))
    assert.equal(buildTranslateCacheKey(input), expected, JSON.stringify(sourceText))
    const l2 = buildTranslateCacheKeyForLocaleFile({ sourceText, sourceLang: 'en', providerId: 'google', translateConfigEpoch: 'abc123' })
    assert.equal(l2, fnv1a64(['abc123', 'google', 'en', mask(sourceText)].join('\0')))
  }
  // Placeholder names do not change the key; the target language does.
  const k = (sourceText, targetLang = 'fr') => buildTranslateCacheKey({ sourceText, sourceLang: 'en', targetLang, providerId: 'p', translateConfigEpoch: 'e' })
  assert.equal(k('Hi {{a}}'), k('Hi {{b}}'))
  assert.notEqual(k('Hi {{a}}'), k('Hi {{a}}', 'de'))
})

test('computeTranslateConfigEpoch hashes the policy without provider secrets', () => {
  assert.equal(computeTranslateConfigEpoch(undefined), 'none')
  assert.equal(computeTranslateConfigEpoch(null), 'none')
  const translate = {
    primary: 'deepl',
    workers: 4,
    policy: { retries: 2, onError: 'skip' },
    providers: [
      { id: 'deepl', apiKey: 'secret-1', region: 'eu' },
      { id: 'google', model: 'nmt', apiKey: 'secret-2' },
    ],
    unrelated: 'ignored',
  }
  const reference = (t) =>
    fnv1a64(JSON.stringify({ primary: t.primary, workers: t.workers, policy: t.policy, providers: t.providers.map(({ apiKey, ...rest }) => rest) }))
  assert.equal(computeTranslateConfigEpoch(translate), reference(translate))
  const rotated = structuredClone(translate)
  rotated.providers[0].apiKey = 'rotated'
  assert.equal(computeTranslateConfigEpoch(rotated), computeTranslateConfigEpoch(translate), 'a new key does not invalidate')
  const changed = structuredClone(translate)
  changed.workers = 8
  assert.notEqual(computeTranslateConfigEpoch(changed), computeTranslateConfigEpoch(translate))
  const noWorkers = { primary: 'deepl', providers: [] }
  assert.equal(computeTranslateConfigEpoch(noWorkers), reference(noWorkers))
})

test('bad inputs are coded errors', () => {
  assert.throws(() => computeTranslateConfigEpoch({ providers: 'x' }), (e) => e.code === 'INVALID_OPTION')
  assert.throws(() => computeTranslateConfigEpoch(5), (e) => e.code === 'INVALID_OPTION')
  assert.throws(() => buildTranslateCacheKey({ sourceText: 'x' }), (e) => e instanceof TypeError && e.code === 'INVALID_OPTION')
})
