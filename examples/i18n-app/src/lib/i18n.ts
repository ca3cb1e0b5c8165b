import en from '../../locales/en.json'

type Messages = Record<string, unknown>

let current: Messages = en

export function setMessages(messages: Messages): void {
  current = messages
}

/** Looks up a dotted key; falls back to the key itself. */
export function t(key: string, vars: Record<string, string | number> = {}): string {
  const value = key.split('.').reduce<unknown>((node, part) => (node as Messages | undefined)?.[part], current)
  if (typeof value !== 'string') return key
  return value.replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? `{${name}}`))
}
