// queues.conf subset: `[queue]` sections and their `member => interface,penalty,name,state_interface` lines.

export interface QueueMember {
  iface: string;
  name: string;
  stateInterface: string;
}

export function parseQueueMembers(text: string): Map<string, QueueMember[]> {
  const out = new Map<string, QueueMember[]>();
  let queue: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/;.*$/, '').trim();
    const section = /^\[([^\]]+)\]/.exec(line);
    if (section) {
      queue = section[1] === 'general' ? undefined : section[1];
      if (queue && !out.has(queue)) out.set(queue, []);
      continue;
    }
    const member = /^member\s*=>?\s*(.*)$/.exec(line);
    if (!queue || !member) continue;
    const [iface = '', , name, stateInterface] = (member[1] ?? '').split(',').map((p) => p.trim());
    out.get(queue)?.push({ iface, name: name || iface, stateInterface: stateInterface || iface.replace(/\/n$/, '') });
  }
  return out;
}
