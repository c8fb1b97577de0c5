import { UsageError } from '../../io';

/** The kind of value each `--option` takes; `list` may be repeated; a `flag` takes none. */
export type OptionKinds = Record<string, 'string' | 'integer' | 'list' | 'flag'>;

export type ParsedOptions = Record<string, string | number | string[] | boolean | undefined>;

/** `--name value`, `--name=value` and `--flag`; anything else is a usage error naming the options. */
export function parseOptions(command: string, argv: readonly string[], kinds: OptionKinds): ParsedOptions {
  const out: ParsedOptions = {};
  const known = Object.keys(kinds).map((k) => `--${k}`).join(' ') || 'none';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    const kind = m ? kinds[m[1]] : undefined;
    if (!m || !kind) {
      throw new UsageError(`${command}: unknown ${arg.startsWith('-') ? 'option' : 'argument'} ${arg} (options: ${known})`);
    }
    const name = m[1];
    if (kind === 'flag') {
      if (m[2] !== undefined) throw new UsageError(`${command}: --${name} takes no value`);
      out[name] = true;
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined || (m[2] === undefined && value.startsWith('--'))) {
      throw new UsageError(`${command}: --${name} needs a value`);
    }
    if (kind === 'integer') {
      if (!/^\d+$/.test(value)) throw new UsageError(`${command}: --${name} must be a whole number, got ${value}`);
      out[name] = Number(value);
    } else if (kind === 'list') {
      out[name] = [...((out[name] as string[] | undefined) ?? []), value];
    } else {
      out[name] = value;
    }
  }
  return out;
}

/** One of the allowed words, or a usage error. */
export function choice<T extends string>(command: string, name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    throw new UsageError(`${command}: --${name} must be one of ${allowed.join(', ')}, got ${String(value)}`);
  }
  return value as T;
}
