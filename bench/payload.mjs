// The synthetic analysis of issue 9 (a large i18n analysis: key observations with their sites,
// dynamic sites, missing keys), shared by bench/analysis.mjs and bench/remote.mjs. Seeded: the
// same arguments give the same value.
import { prng } from './corpus.mjs'

/** The payload for `files` source files and `observations` key observations. */
export function syntheticAnalysis({ files, observations }) {
  const rand = prng(9)
  const byFile = {}
  const keys = new Set()
  for (let i = 0; i < observations; i++) {
    const f = `src/feature${i % 40}/part${i % 8}/m${i % files}.${['ts', 'tsx', 'js'][i % 3]}`
    const key = `section${i % 50}.group${Math.floor(i / 50) % 20}.key${Math.floor(rand() * 5000)}`
    keys.add(key)
    ;(byFile[f] ??= { keys: [], dynamic: [] }).keys.push({
      key,
      line: 1 + (i % 400),
      column: 3 + (i % 60),
      callee: 't',
      kind: 'static',
      snippet: `out.push(t('${key}')) // rendered inside the component tree of feature ${i % 40}`,
    })
  }
  for (let i = 0; i < 6500; i++) {
    const f = `src/feature${i % 40}/part${i % 8}/m${(i * 7) % files}.tsx`
    ;(byFile[f] ??= { keys: [], dynamic: [] }).dynamic.push({ line: i % 300, column: 5, expression: `section${i % 50}.dynamic` })
  }
  const missingKeys = Array.from({ length: 150 }, (_, i) => `section${i % 50}.missing${i}`)
  return { version: 3, files: byFile, usedKeys: [...keys].sort(), missingKeys, unusedKeys: [] }
}
