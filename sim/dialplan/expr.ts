// ${VAR} substitution and the small $[...] expressions IVR dialplans use in GotoIf.

export type VarLookup = (name: string) => string | undefined;

export function substitute(text: string, lookup: VarLookup): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '$' && text[i + 1] === '{') {
      const end = matchingBrace(text, i + 1, '{', '}');
      const inner = substitute(text.slice(i + 2, end), lookup);
      out += expandVar(inner, lookup);
      i = end + 1;
    } else if (text[i] === '$' && text[i + 1] === '[') {
      const end = matchingBrace(text, i + 1, '[', ']');
      out += evaluate(substitute(text.slice(i + 2, end), lookup));
      i = end + 1;
    } else {
      out += text[i];
      i += 1;
    }
  }
  return out;
}

function matchingBrace(text: string, open: number, o: string, c: string): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === o) depth++;
    else if (text[i] === c && --depth === 0) return i;
  }
  return text.length;
}

function expandVar(expr: string, lookup: VarLookup): string {
  const sub = /^([^:]+):(-?\d+)(?::(-?\d+))?$/.exec(expr);
  if (sub && !expr.includes('(')) {
    const value = lookup(sub[1] ?? '') ?? '';
    const offset = Number(sub[2]);
    const start = offset < 0 ? Math.max(0, value.length + offset) : offset;
    return sub[3] === undefined ? value.slice(start) : value.slice(start, start + Number(sub[3]));
  }
  const len = /^LEN\((.*)\)$/.exec(expr);
  if (len) return String((len[1] ?? '').length);
  const regex = /^REGEX\("(.*)"\s(.*)\)$/.exec(expr);
  if (regex) {
    try {
      return new RegExp(regex[1] ?? '').test(regex[2] ?? '') ? '1' : '0';
    } catch {
      return '0';
    }
  }
  const cond = /^IF\((.*?)\?(.*?)(?::(.*))?\)$/.exec(expr);
  if (cond) return truthy(cond[1] ?? '') ? (cond[2] ?? '') : (cond[3] ?? '');
  return lookup(expr) ?? '';
}

const unquote = (s: string) => s.trim().replace(/^"(.*)"$/, '$1');

/** Supports |, &, =, !=, <, >, <=, >= on strings and numbers; enough for menus. */
export function evaluate(expr: string): string {
  const or = splitTop(expr, '|');
  if (or.length > 1) return or.some((p) => truthy(evaluate(p))) ? '1' : '0';
  const and = splitTop(expr, '&');
  if (and.length > 1) return and.every((p) => truthy(evaluate(p))) ? '1' : '0';
  const m = /^(.*?)(!=|<=|>=|=|<|>)(.*)$/.exec(expr);
  if (!m) return arithmetic(expr);
  const a = arithmetic(m[1] ?? '');
  const b = arithmetic(m[3] ?? '');
  const numeric = a !== '' && b !== '' && !Number.isNaN(Number(a)) && !Number.isNaN(Number(b));
  const [x, y]: [string | number, string | number] = numeric ? [Number(a), Number(b)] : [a, b];
  switch (m[2]) {
    case '=':
      return x === y ? '1' : '0';
    case '!=':
      return x !== y ? '1' : '0';
    case '<':
      return x < y ? '1' : '0';
    case '>':
      return x > y ? '1' : '0';
    case '<=':
      return x <= y ? '1' : '0';
    default:
      return x >= y ? '1' : '0';
  }
}

function arithmetic(expr: string): string {
  const m = /^\s*(-?[\d.]+)\s*([+\-*/%])\s*(-?[\d.]+)\s*$/.exec(expr);
  if (!m) return unquote(expr);
  const x = Number(m[1]);
  const y = Number(m[3]);
  switch (m[2]) {
    case '+':
      return String(x + y);
    case '-':
      return String(x - y);
    case '*':
      return String(x * y);
    case '/':
      return y === 0 ? '0' : String(Math.trunc(x / y));
    default:
      return y === 0 ? '0' : String(x % y);
  }
}

function splitTop(expr: string, op: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let last = 0;
  for (let i = 0; i < expr.length; i++) {
    if (expr[i] === '"') quoted = !quoted;
    else if (!quoted && expr[i] === op) {
      parts.push(expr.slice(last, i));
      last = i + 1;
    }
  }
  parts.push(expr.slice(last));
  return parts;
}

export function truthy(value: string): boolean {
  const v = value.trim();
  return v !== '' && v !== '0';
}

/** Splits application arguments on commas outside quotes and parentheses. */
export function splitArgs(data: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (const c of data) {
    if (c === '"') quoted = !quoted;
    if (!quoted && c === '(') depth++;
    if (!quoted && c === ')') depth--;
    if (!quoted && depth === 0 && c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return data === '' ? [] : out;
}
