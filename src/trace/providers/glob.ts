// Probe-description globs as dtrace matches them (gmatch(3C)): `*`, `?`, `[...]` with ranges and
// `!` negation, and `\` escapes. An empty field matches everything.

const cache = new Map<string, RegExp>();

export function hasGlob(s: string): boolean {
  return /[*?[\\]/.test(s);
}

export function globRegExp(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re !== undefined) return re;
  let src = "^";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "*") src += ".*";
    else if (ch === "?") src += ".";
    else if (ch === "\\" && i + 1 < pattern.length) src += escapeChar(pattern[++i]!);
    else if (ch === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0) {
        src += "\\[";
        continue;
      }
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith("!");
      if (negate) body = body.slice(1);
      src += `[${negate ? "^" : ""}${body.replace(/[\\\]^]/g, "\\$&")}]`;
      i = end;
    } else src += escapeChar(ch);
  }
  re = new RegExp(`${src}$`, "s");
  cache.set(pattern, re);
  return re;
}

function escapeChar(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Whether `value` matches the description field `pattern` ("" matches anything). */
export function fieldMatches(pattern: string, value: string): boolean {
  if (pattern === "") return true;
  if (!hasGlob(pattern)) return pattern === value;
  return globRegExp(pattern).test(value);
}
