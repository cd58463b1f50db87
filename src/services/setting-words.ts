// The words of a setting given as one line (`--sign-in-provider "…"`, `--ldap "…"`): separated by
// spaces, a value in single or double quotes may hold spaces; and the durations settings and
// options give (`every=15m`, `--expires 1h`).

/** The words of `text`, quotes removed; a TypeError when a quote is not closed. */
export function settingWords(text: string): string[] {
  const found: string[] = [];
  const pattern = /(?:[^\s'"]+|'[^']*'|"[^"]*")+/g;
  for (const [word] of text.matchAll(pattern)) found.push(word.replace(/'([^']*)'|"([^"]*)"/g, '$1$2'));
  if (/['"]/.test(text.replace(/'[^']*'|"[^"]*"/g, ''))) throw new TypeError('a quote is not closed');
  return found;
}

/** `key=value` words as a map; a flag may stand alone (value `''`). Unknown keys are refused. */
export function keyedWords(words: string[], keys: readonly string[], flags: readonly string[] = []) {
  const given = new Map<string, string>();
  const known = [...keys.map((k) => `${k}=…`), ...flags].join(' ');
  for (const word of words) {
    const at = word.indexOf('=');
    const key = at > 0 ? word.slice(0, at) : word;
    // A flag may also say `flag=on` or `flag=off`: its reader judges the value.
    const ok = flags.includes(key) || (at > 0 && keys.includes(key));
    if (!ok) throw new TypeError(`'${word}' is not one of ${known}`);
    given.set(key, at > 0 ? word.slice(at + 1) : '');
  }
  return given;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * `90s`, `15m`, `1h`, `7d` → seconds, NaN for anything else; a bare number is seconds unless
 * `unitRequired`. Each caller bounds the result and says what it is a duration of.
 */
export function durationSeconds(value: string, { unitRequired = false } = {}): number {
  const match = (unitRequired ? /^(\d+)([smhd])$/i : /^(\d+)\s*([smhd]?)$/i).exec(value.trim());
  return match ? Number(match[1]) * UNIT_SECONDS[(match[2] || 's').toLowerCase()]! : Number.NaN;
}

/** An environment variable's name (letters, digits, _), or a TypeError naming `key`. */
export function envName(key: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) {
    throw new TypeError(`${key} names an environment variable (letters, digits, _), not '${value}'`);
  }
  return value;
}
