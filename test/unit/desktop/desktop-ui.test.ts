// The browser modules that need no DOM, tested in Node: the string table both languages
// share, and the pop bookkeeping that keeps screen pops idempotent.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { aPop } from './support.js';
import type { ScreenPop } from '../../../server/desktop/contract.js';

const desktopJs = fileURLToPath(new URL('../../../agent-desktop/js/', import.meta.url));

type Strings = Record<'en' | 'zh', Record<string, string>>;
interface PopStoreModule {
  applyPop(pop: ScreenPop): boolean;
  visiblePops(): ScreenPop[];
  dismiss(popId: string): void;
  pops: Map<string, unknown>;
}

async function load<T>(file: string): Promise<T> {
  return (await import(new URL(file, `file://${desktopJs}`).href)) as T;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.js') ? [path] : [];
  });
}

describe('agent desktop modules', () => {
  describe('string table', () => {
    let strings: Strings;
    before(async () => {
      strings = (await load<{ STRINGS: Strings }>('i18n-strings.js')).STRINGS;
    });

    it('has every key in both languages, none empty', () => {
      const en = Object.keys(strings.en).sort();
      const zh = Object.keys(strings.zh).sort();
      expect(zh).to.deep.equal(en);
      for (const lang of ['en', 'zh'] as const) {
        for (const [key, text] of Object.entries(strings[lang])) expect(text, `${lang} ${key}`).to.not.equal('');
      }
    });

    it('uses the same placeholders in both languages', () => {
      const names = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      for (const key of Object.keys(strings.en)) {
        expect(names(strings.zh[key]!), key).to.deep.equal(names(strings.en[key]!));
      }
    });

    it('knows every literal key the views ask for', () => {
      const missing: string[] = [];
      for (const file of sources(desktopJs).filter((f) => !/i18n[^/]*\.js$/.test(f))) {
        for (const m of readFileSync(file, 'utf8').matchAll(/\bt\('([\w.-]+)'/g)) {
          if (!(m[1]! in strings.en)) missing.push(`${m[1]} (${file.slice(desktopJs.length)})`);
        }
      }
      expect(missing).to.deep.equal([]);
    });
  });

  describe('pop bookkeeping', () => {
    let store: PopStoreModule;
    beforeEach(async () => {
      store = await load<PopStoreModule>('views/agent/pop-store.js');
      store.pops.clear();
    });

    it('renders a pop once however often it arrives (socket and GET /api/pops/current)', () => {
      expect(store.applyPop(aPop())).to.equal(true);
      expect(store.applyPop(aPop())).to.equal(false);
      expect(store.visiblePops()).to.have.length(1);
    });

    it('never lets an older phase replace a newer one', () => {
      store.applyPop(aPop({ phase: 'answered' }));
      expect(store.applyPop(aPop({ phase: 'ringing' }))).to.equal(false);
      expect(store.visiblePops()[0]!.phase).to.equal('answered');
    });

    it('shows live calls before ended ones and hides dismissed pops', () => {
      store.applyPop(aPop({ popId: 'old', phase: 'ended' }));
      store.applyPop(aPop({ popId: 'live', phase: 'ringing' }));
      expect(store.visiblePops().map((p) => p.popId)).to.deep.equal(['live', 'old']);
      store.dismiss('old');
      expect(store.visiblePops().map((p) => p.popId)).to.deep.equal(['live']);
    });

    it('ignores payloads without a popId', () => {
      expect(store.applyPop({} as ScreenPop)).to.equal(false);
      expect(store.visiblePops()).to.be.empty;
    });
  });
});
