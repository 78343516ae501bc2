// A small reader for Asterisk .conf files, enough to check the sample dialplan:
// sections with their key/values, and extensions.conf priorities with labels.

export interface ConfSection {
  name: string;
  entries: Array<{ key: string; value: string; line: number }>;
}

export interface Priority {
  context: string;
  exten: string;
  /** 1-based position in the extension (what `n` resolves to). */
  number: number;
  label: string | null;
  app: string;
  args: string;
  line: number;
}

function stripComment(line: string): string {
  let out = '';
  for (let i = 0; i < line.length; i += 1) {
    if (line[i] === '\\' && line[i + 1] === ';') {
      out += ';';
      i += 1;
    } else if (line[i] === ';') {
      break;
    } else {
      out += line[i];
    }
  }
  return out.trim();
}

export function parseConf(text: string): ConfSection[] {
  const sections: ConfSection[] = [];
  let current: ConfSection | null = null;
  text.split('\n').forEach((raw, index) => {
    const line = stripComment(raw);
    if (!line) return;
    const header = /^\[([^\]]+)\](\(.*\))?$/.exec(line);
    if (header) {
      current = { name: header[1]!, entries: [] };
      sections.push(current);
      return;
    }
    const pair = /^([^=]+?)\s*=>?\s*(.*)$/.exec(line);
    if (!pair || !current) throw new Error(`line ${index + 1}: cannot read "${raw}"`);
    (current as ConfSection).entries.push({ key: pair[1]!.trim(), value: pair[2]!.trim(), line: index + 1 });
  });
  return sections;
}

/** Splits `a,b(c,d),e` on top-level commas. */
export function splitArgs(args: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of args) {
    if (ch === '(' || ch === '{' || ch === '[') depth += 1;
    if (ch === ')' || ch === '}' || ch === ']') depth -= 1;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map((part) => part.trim());
}

export function parseDialplan(text: string): { priorities: Priority[]; hints: Array<{ context: string; exten: string; device: string }>; contexts: Set<string>; globals: Map<string, string> } {
  const priorities: Priority[] = [];
  const hints: Array<{ context: string; exten: string; device: string }> = [];
  const contexts = new Set<string>();
  const globals = new Map<string, string>();
  let last: Priority | null = null;
  for (const section of parseConf(text)) {
    if (section.name === 'general') continue;
    if (section.name === 'globals') {
      for (const entry of section.entries) globals.set(entry.key, entry.value);
      continue;
    }
    contexts.add(section.name);
    for (const { key, value, line } of section.entries) {
      let exten: string;
      let rest: string;
      if (key === 'exten') {
        const comma = value.indexOf(',');
        exten = value.slice(0, comma).trim();
        rest = value.slice(comma + 1);
      } else if (key === 'same') {
        if (!last || last.context !== section.name) throw new Error(`line ${line}: "same" without an exten before it`);
        exten = last.exten;
        rest = value;
      } else if (key === 'include') {
        continue;
      } else {
        throw new Error(`line ${line}: unexpected "${key}" in [${section.name}]`);
      }
      const match = /^\s*(hint|\d+|n)(?:\(([A-Za-z0-9_-]+)\))?\s*,\s*(.*)$/.exec(rest);
      if (!match) throw new Error(`line ${line}: cannot read priority in "${value}"`);
      if (match[1] === 'hint') {
        hints.push({ context: section.name, exten, device: match[3]!.trim() });
        continue;
      }
      const app = /^([A-Za-z]+)\((.*)\)$/.exec(match[3]!.trim());
      if (!app) throw new Error(`line ${line}: application call must look like App(args): "${match[3]}"`);
      const previous = priorities.filter((p) => p.context === section.name && p.exten === exten);
      const number = match[1] === 'n' ? previous.length + 1 : Number(match[1]);
      if (match[1] !== 'n' && number !== previous.length + 1) throw new Error(`line ${line}: priority ${number} out of order`);
      last = { context: section.name, exten, number, label: match[2] ?? null, app: app[1]!, args: app[2]!, line };
      priorities.push(last);
    }
  }
  return { priorities, hints, contexts, globals };
}

/** Does an Asterisk extension pattern (`_1XXX`, `_X.`, `_[123]`) or literal match this extension? */
export function extenMatches(pattern: string, exten: string): boolean {
  if (!pattern.startsWith('_')) return pattern === exten;
  let regex = '';
  for (const ch of pattern.slice(1)) {
    if (ch === 'X') regex += '[0-9]';
    else if (ch === 'Z') regex += '[1-9]';
    else if (ch === 'N') regex += '[2-9]';
    else if (ch === '.') regex += '.+';
    else if (ch === '!') regex += '.*';
    else if ('[]-'.includes(ch)) regex += ch;
    else regex += ch.replace(/[+*]/g, '\\$&');
  }
  return new RegExp(`^${regex}$`).test(exten);
}
