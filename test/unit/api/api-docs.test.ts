import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { apiRoutes } from '../../../server/api/routes/index.js';
import type { ApiDeps } from '../../../server/api/deps.js';

describe('docs/api.md', () => {
  it('lists every REST route the server mounts, with its roles', () => {
    const doc = readFileSync('docs/api.md', 'utf8');
    const deps = { store: { callbacks: {} } } as unknown as ApiDeps;
    const missing = apiRoutes(deps)
      .map((r) => ({ line: `\`${r.method.toUpperCase()} ${r.path}\``, roles: Array.isArray(r.access) ? r.access.join(', ') : r.access }))
      .filter(({ line, roles }) => !doc.split('\n').some((l) => l.includes(line) && l.includes(`| ${roles} |`)));
    expect(missing.map((m) => m.line), 'routes missing from docs/api.md (or with other roles)').to.deep.equal([]);
  });
});
