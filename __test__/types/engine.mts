// Type-level tests of the engine's types (compiled by tools/check-doc-types.mjs under strict and
// exactOptionalPropertyTypes; never run). An exhaustive switch over each code union compiles,
// and values outside a union do not.
import {
  fingerprint,
  fingerprintSync,
  watch,
  type CacheWarning,
  type CacheWarningCode,
  type FileChange,
  type FileChangeKind,
  type FileChangeReason,
  type FingerprintPhase,
  type FingerprintResult,
} from 'cachecore'

function never(x: never): never {
  throw new Error(`unexpected ${String(x)}`)
}

export function describeChange(c: FileChange): string {
  switch (c.change) {
    case 'added':
    case 'changed':
    case 'deleted':
    case 'unknown':
      break
    default:
      never(c.change)
  }
  switch (c.reason) {
    case 'added':
    case 'removed':
    case 'content_changed':
    case 'size_changed':
    case 'type_changed':
    case 'racy':
    case 'unstable':
    case 'unreadable':
      return `${c.path}: ${c.change} (${c.reason})`
    default:
      return never(c.reason)
  }
}

export function phaseLabel(phase: FingerprintPhase): string {
  switch (phase) {
    case 'walk':
      return 'listing'
    case 'hash':
      return 'hashing'
    case 'done':
      return 'done'
    default:
      return never(phase)
  }
}

/** Every warning code, sorted by who reports it; a code missing here fails to compile. */
export function warningSource(w: CacheWarning): 'previous index' | 'walk' | 'write' | 'watcher' | 'cache files' | 'remote cache' {
  const code: CacheWarningCode = w.code
  switch (code) {
    case 'previous_missing':
    case 'previous_malformed':
    case 'previous_oversize':
    case 'previous_newer_version':
    case 'previous_unreadable':
    case 'previous_algorithm_mismatch':
    case 'hints_stale':
    case 'hints_malformed':
      return 'previous index'
    case 'unreadable_dir':
    case 'unreadable_file':
    case 'unstable_file':
    case 'future_mtime':
    case 'non_utf8_name':
    case 'special_file':
    case 'depth_limit':
    case 'path_too_long':
    case 'symlink_loop':
    case 'symlink_outside_root':
    case 'broken_symlink':
    case 'portability_case_collision':
    case 'portability_normalization_collision':
      return 'walk'
    case 'write_failed':
    case 'write_skipped_newer':
    case 'clock_unusable':
      return 'write'
    case 'watch_limit':
    case 'native_watcher_unavailable':
    case 'watcher_error':
    case 'scan_failed':
      return 'watcher'
    case 'cache_malformed':
    case 'cache_oversize':
    case 'cache_io_error':
    case 'cache_read_only':
    case 'cache_dir_unavailable':
    case 'cache_lock_timeout':
    case 'project_root_missing':
    case 'cache_inputs_changed':
    case 'cache_unknown_files':
    case 'src_root_missing':
    case 'locales_dir_missing':
      return 'cache files'
    case 'remote_unavailable':
    case 'remote_unreachable':
    case 'remote_timeout':
    case 'remote_auth':
    case 'remote_http_error':
    case 'remote_truncated':
    case 'remote_oversize':
    case 'remote_invalid':
    case 'remote_signature':
    case 'remote_skipped':
    case 'remote_io_error':
      return 'remote cache'
    default:
      return never(code)
  }
}

const result: FingerprintResult = fingerprintSync({
  root: '.',
  hash: 'blake3',
  strategy: 'content',
  report: 'changes',
  exclude: { dirs: ['node_modules'], suffixes: ['d.ts'] },
  onProgress: (p) => void phaseLabel(p.phase),
})
result.delta.reasons.map(describeChange)
result.warnings.map(warningSource)

export async function cancellable(): Promise<number> {
  const r = await fingerprint({ root: '.', signal: AbortSignal.timeout(1000) })
  return r.counts.files
}

const w = watch({ root: '.', persistent: false }, (e) => {
  if (e.kind === 'rescan') void e.rescan?.reason
  e.delta.reasons.map(describeChange)
})
w.close()

// @ts-expect-error not a warning code
export const notACode: CacheWarningCode = 'previous_gone'
// @ts-expect-error not a change kind ('unchanged' files carry no reason)
export const notAKind: FileChangeKind = 'unchanged'
// @ts-expect-error not a reason
export const notAReason: FileChangeReason = 'modified'
// @ts-expect-error not an algorithm
fingerprintSync({ root: '.', hash: 'md5' })
