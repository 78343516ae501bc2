// extensions.conf subset: [context], exten =>, same =>, priorities n and n(label), hints,
// patterns (_X. and friends). Parsing errors name the file line so a typo is easy to find.

export interface Step {
  priority: number;
  label?: string;
  app: string;
  data: string;
}

export interface Extension {
  readonly pattern: string;
  readonly matcher?: RegExp;
  readonly steps: Step[];
  hint?: string;
}

export interface Context {
  readonly name: string;
  readonly exact: Map<string, Extension>;
  readonly patterns: Extension[];
  readonly includes: string[];
}

export class DialplanSyntaxError extends Error {}

export function patternToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 1; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === 'X') re += '[0-9]';
    else if (c === 'Z') re += '[1-9]';
    else if (c === 'N') re += '[2-9]';
    else if (c === '.') re += '.+';
    else if (c === '!') re += '.*';
    else if (c === '[') {
      const end = pattern.indexOf(']', i);
      if (end < 0) throw new DialplanSyntaxError(`unclosed [ in pattern ${pattern}`);
      re += `[${pattern.slice(i + 1, end).replace(/[\\^]/g, '\\$&')}]`;
      i = end;
    } else re += c.replace(/[.*+?^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function splitApp(text: string): { app: string; data: string } {
  const open = text.indexOf('(');
  if (open < 0) return { app: text.trim(), data: '' };
  const close = text.lastIndexOf(')');
  return { app: text.slice(0, open).trim(), data: text.slice(open + 1, close < 0 ? undefined : close) };
}

export class Dialplan {
  readonly contexts = new Map<string, Context>();
  readonly globals = new Map<string, string>();

  load(text: string, source = 'extensions.conf'): void {
    let ctx: Context | undefined;
    let inGlobals = false;
    let last: { ext: Extension; priority: number } | undefined;
    const lines = text.split(/\r?\n/);
    lines.forEach((raw, index) => {
      const line = raw.replace(/(^|[^\\]);.*$/, '$1').trim();
      if (line === '') return;
      const where = `${source}:${index + 1}`;
      const section = /^\[([^\]]+)\]/.exec(line);
      if (section) {
        const name = section[1] ?? '';
        last = undefined;
        inGlobals = name === 'globals';
        if (name === 'general' || name === 'globals') {
          ctx = undefined;
          return;
        }
        ctx = this.contexts.get(name) ?? { name, exact: new Map(), patterns: [], includes: [] };
        this.contexts.set(name, ctx);
        return;
      }
      if (inGlobals) {
        const g = /^([\w]+)\s*=>?\s*(.*)$/.exec(line);
        if (g) this.globals.set(g[1] ?? '', (g[2] ?? '').trim());
        return;
      }
      if (!ctx) return;
      const kv = /^(exten|same|include)\s*=>?\s*(.*)$/.exec(line);
      if (!kv) return;
      const [, key, rest = ''] = kv;
      if (key === 'include') {
        ctx.includes.push(rest.trim());
        return;
      }
      let pattern: string;
      let prioText: string;
      let appText: string;
      if (key === 'exten') {
        const m = /^([^,]+),([^,]+),(.*)$/.exec(rest);
        if (!m) throw new DialplanSyntaxError(`${where}: expected exten => pattern,priority,App(args)`);
        pattern = (m[1] ?? '').trim();
        prioText = (m[2] ?? '').trim();
        appText = m[3] ?? '';
      } else {
        if (!last) throw new DialplanSyntaxError(`${where}: same => without a preceding exten =>`);
        const m = /^([^,]+),(.*)$/.exec(rest);
        if (!m) throw new DialplanSyntaxError(`${where}: expected same => priority,App(args)`);
        pattern = last.ext.pattern;
        prioText = (m[1] ?? '').trim();
        appText = m[2] ?? '';
      }
      const ext = this.extension(ctx, pattern);
      if (prioText === 'hint') {
        ext.hint = appText.trim();
        return;
      }
      const pm = /^(\d+|n)(?:\(([\w-]+)\))?$/.exec(prioText);
      if (!pm) throw new DialplanSyntaxError(`${where}: bad priority ${prioText}`);
      const prev = last && last.ext === ext ? last.priority : 0;
      const priority = pm[1] === 'n' ? prev + 1 : Number(pm[1]);
      const { app, data } = splitApp(appText);
      ext.steps.push({ priority, label: pm[2], app, data });
      ext.steps.sort((a, b) => a.priority - b.priority);
      last = { ext, priority };
    });
  }

  private extension(ctx: Context, pattern: string): Extension {
    const existing = ctx.exact.get(pattern) ?? ctx.patterns.find((p) => p.pattern === pattern);
    if (existing) return existing;
    if (pattern.startsWith('_')) {
      const ext: Extension = { pattern, matcher: patternToRegExp(pattern), steps: [] };
      ctx.patterns.push(ext);
      return ext;
    }
    const ext: Extension = { pattern, steps: [] };
    ctx.exact.set(pattern, ext);
    return ext;
  }

  hasContext(name: string): boolean {
    return this.contexts.has(name);
  }

  /** Exact match wins, then patterns in file order, then included contexts. */
  match(context: string, exten: string, seen = new Set<string>()): Extension | undefined {
    const ctx = this.contexts.get(context);
    if (!ctx || seen.has(context)) return undefined;
    seen.add(context);
    const exact = ctx.exact.get(exten);
    if (exact && exact.steps.length > 0) return exact;
    for (const p of ctx.patterns) if (p.steps.length > 0 && p.matcher?.test(exten)) return p;
    for (const inc of ctx.includes) {
      const found = this.match(inc, exten, seen);
      if (found) return found;
    }
    return undefined;
  }

  hints(): Array<{ context: string; exten: string; device: string }> {
    const out: Array<{ context: string; exten: string; device: string }> = [];
    for (const ctx of this.contexts.values())
      for (const ext of ctx.exact.values()) if (ext.hint) out.push({ context: ctx.name, exten: ext.pattern, device: ext.hint });
    return out;
  }
}
