// queues.conf subset: `[queue]` sections and their `member => interface,...` lines.

export function parseQueueMembers(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let queue: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/;.*$/, '').trim();
    const section = /^\[([^\]]+)\]/.exec(line);
    if (section) {
      queue = section[1] === 'general' ? undefined : section[1];
      if (queue && !out.has(queue)) out.set(queue, []);
      continue;
    }
    const member = /^member\s*=>?\s*([^,]+)/.exec(line);
    if (queue && member) out.get(queue)?.push((member[1] ?? '').trim());
  }
  return out;
}
