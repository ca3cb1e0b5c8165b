// The benchmarks' host process: one contract dispatch of the `i18n` corpus (its layout:
// `src/`, `locales/en.json` the source), producer returning a small analysis, SHA-256 records.
// It prints one JSON line: the call's time in process and the decision.
import path from 'node:path'

/**
 * The script (for `node -e` or a file) that dispatches `root` once with `addon` (a path
 * `require` takes: the package dir, `index.js` or a `.node` file) and the cache under
 * `<home>/cache`.
 */
export function dispatchScript(addon, root, home) {
  return `const c=require(${JSON.stringify(addon)});
const rt={hashText:'sha256'};
const {state}=c.initializeCacheState({projectRoot:${JSON.stringify(root)},cacheRootDir:${JSON.stringify(path.join(home, 'cache'))},runtime:rt});
const input={state,runtime:rt,sourceLocalePath:${JSON.stringify(path.join(root, 'locales', 'en.json'))},srcRoot:${JSON.stringify(path.join(root, 'src'))},localesDir:${JSON.stringify(path.join(root, 'locales'))},locales:{source:'en',directory:'locales'},producer:()=>({keys:42})};
const t0=performance.now();const r=c.getOrBuildCachedProjectData(input);
console.log(JSON.stringify({inProcessMs:performance.now()-t0,status:r.cache.status,reason:r.cache.reason,rebuild:r.cache.analysisRebuild&&r.cache.analysisRebuild.reason}))`
}
