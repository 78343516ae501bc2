import { expect } from 'chai';
import { buildPromptMedia, type PromptContext } from '../../../server/prompts/builder.js';
import { createPromptInventory } from '../../../server/prompts/inventory.js';
import { parsePromptMedia } from '../../../server/prompts/media.js';
import { PromptValueError } from '../../../server/prompts/errors.js';
import { advisorClips, catalogClips, type PromptPerson } from '../../../ivr-prompts/clips.js';
import type { RecordedPrompt } from '../../../server/prompts/recordings.js';

const alice: PromptPerson = { id: 7, name: 'Alice', nameZh: '王丽' };
const bob: PromptPerson = { id: 9, name: 'Bob', nameZh: '李明' };
const carol: PromptPerson = { id: 11, name: 'Carol', nameZh: '张华' }; // created, never rendered

const SOUND = parsePromptMedia('sound:cti');
const HTTP = parsePromptMedia('http://cti.example:3000/');

function context(location = SOUND, recorded: RecordedPrompt[] = []): PromptContext {
  const clips = [...catalogClips(), ...advisorClips(alice), ...advisorClips(bob)].map((c) => `${c.language}/${c.name}`);
  for (const r of recorded) clips.push(`${r.language}/${r.media}`);
  return { location, inventory: createPromptInventory(clips, recorded) };
}

function recording(advisorId: number, kind: 'name' | 'greeting', language: 'zh' | 'en'): RecordedPrompt {
  return { advisorId, kind, language, media: `advisor-${advisorId}-rec-${kind}-abc`, durationMs: 900, recordedAt: '2026-11-23T10:00:00.000Z' };
}

describe('buildPromptMedia', () => {
  describe('owner busy with choices', () => {
    it('plays the zh fragments around the advisor name clip and the minutes clip (sounds directory)', () => {
      const media = buildPromptMedia(
        { promptId: 'owner-busy-choices', language: 'zh', values: { advisor: alice, minutes: 3 } },
        context(),
      );
      expect(media.media).to.deep.equal([
        'sound:cti/zh/owner-busy-choices-1',
        'sound:cti/zh/advisor-7-name',
        'sound:cti/zh/owner-busy-choices-2',
        'sound:cti/zh/minutes-3',
        'sound:cti/zh/owner-busy-choices-3',
        'sound:cti/zh/advisor-7-name',
        'sound:cti/zh/owner-busy-choices-4',
        'sound:cti/zh/advisor-7-name',
        'sound:cti/zh/owner-busy-choices-5',
      ]);
      expect(media.announcedMinutes).to.equal(3);
    });

    it('plays the en version from the HTTP base with .wav URLs', () => {
      const media = buildPromptMedia(
        { promptId: 'owner-busy-choices', language: 'en', values: { advisor: alice, minutes: 3 } },
        context(HTTP),
      );
      expect(media.media[0]).to.equal('sound:http://cti.example:3000/media/prompts/en/owner-busy-choices-1.wav');
      expect(media.media[1]).to.equal('sound:http://cti.example:3000/media/prompts/en/advisor-7-name.wav');
      expect(media.media[3]).to.equal('sound:http://cti.example:3000/media/prompts/en/minutes-3.wav');
      expect(media.media).to.have.length(9);
    });

    it('announces the next clip up, not a shorter wait than the router said', () => {
      const media = buildPromptMedia(
        { promptId: 'owner-busy-choices', language: 'en', values: { advisor: alice, minutes: 12 } },
        context(),
      );
      expect(media.media).to.include('sound:cti/en/minutes-15');
      expect(media.announcedMinutes).to.equal(15);
    });

    it('switches to the no-estimate prompt when there is no reliable estimate or it exceeds the clips', () => {
      for (const minutes of [null, undefined, 45]) {
        const media = buildPromptMedia(
          { promptId: 'owner-busy-choices', language: 'zh', values: { advisor: alice, minutes } },
          context(),
        );
        expect(media.promptId).to.equal('owner-busy-no-estimate');
        expect(media.announcedMinutes).to.equal(null);
        expect(media.media.some((uri) => uri.includes('minutes-'))).to.equal(false);
      }
    });

    it('uses the whole per-advisor sentence when one was rendered and no estimate is said', () => {
      const media = buildPromptMedia(
        { promptId: 'owner-busy-no-estimate', language: 'en', values: { advisor: alice } },
        context(HTTP),
      );
      expect(media.media).to.deep.equal(['sound:http://cti.example:3000/media/prompts/en/advisor-7-owner-busy-no-estimate.wav']);
      expect(media.parts[0]?.source).to.equal('tts-sentence');
    });
  });

  describe('owner away', () => {
    for (const [language, location, prefix, suffix] of [
      ['zh', SOUND, 'sound:cti/zh/', ''],
      ['en', SOUND, 'sound:cti/en/', ''],
      ['zh', HTTP, 'sound:http://cti.example:3000/media/prompts/zh/', '.wav'],
      ['en', HTTP, 'sound:http://cti.example:3000/media/prompts/en/', '.wav'],
    ] as const) {
      it(`names the owner and the delegate in ${language} (${location.kind})`, () => {
        const media = buildPromptMedia(
          { promptId: 'owner-away', language, values: { advisor: alice, delegate: bob } },
          context(location),
        );
        const names = ['advisor-7-name', 'owner-away-1', 'advisor-9-name', 'owner-away-2'];
        expect(media.media).to.deep.equal(names.map((name) => `${prefix}${name}${suffix}`));
      });
    }
  });

  describe('precedence', () => {
    it('plays the advisor\'s recorded name instead of the TTS name, even over a rendered whole sentence', () => {
      const ctx = context(SOUND, [recording(7, 'name', 'zh')]);
      const busy = buildPromptMedia({ promptId: 'owner-away', language: 'zh', values: { advisor: alice, delegate: bob } }, ctx);
      expect(busy.media[0]).to.equal('sound:cti/zh/advisor-7-rec-name-abc');
      expect(busy.parts[0]?.source).to.equal('recorded-name');
      expect(busy.media[2]).to.equal('sound:cti/zh/advisor-9-name');

      const connecting = buildPromptMedia({ promptId: 'connecting', language: 'zh', values: { advisor: alice } }, ctx);
      expect(connecting.media).to.deep.equal(['sound:cti/zh/connecting-1', 'sound:cti/zh/advisor-7-rec-name-abc']);
    });

    it('keeps recordings per language: a zh recording does not replace the en name', () => {
      const ctx = context(SOUND, [recording(7, 'name', 'zh')]);
      const media = buildPromptMedia({ promptId: 'connecting', language: 'en', values: { advisor: alice } }, ctx);
      expect(media.media).to.deep.equal(['sound:cti/en/advisor-7-connecting']);
    });

    it('plays the advisor\'s recorded greeting as the whole connecting sentence', () => {
      const ctx = context(HTTP, [recording(7, 'greeting', 'en'), recording(7, 'name', 'en')]);
      const media = buildPromptMedia({ promptId: 'connecting', language: 'en', values: { advisor: alice } }, ctx);
      expect(media.media).to.deep.equal(['sound:http://cti.example:3000/media/prompts/en/advisor-7-rec-greeting-abc.wav']);
      expect(media.parts[0]?.source).to.equal('recorded-sentence');
    });

    it('prefers the advisor-specific sentence over the generic fragments', () => {
      const media = buildPromptMedia({ promptId: 'still-waiting-owner', language: 'zh', values: { advisor: alice } }, context());
      expect(media.media).to.deep.equal(['sound:cti/zh/advisor-7-still-waiting-owner']);
    });

    it('falls back to the generic sentence when an advisor has no name clip yet', () => {
      const media = buildPromptMedia(
        { promptId: 'owner-busy-choices', language: 'en', values: { advisor: carol, minutes: 3 } },
        context(),
      );
      expect(media.media).to.deep.equal([
        'sound:cti/en/owner-busy-choices-generic-1',
        'sound:cti/en/minutes-3',
        'sound:cti/en/owner-busy-choices-generic-2',
      ]);
      expect(media.parts.every((part) => part.source !== 'tts-name')).to.equal(true);
    });

    it('falls back to the generic sentence when only the delegate has no name clip', () => {
      const media = buildPromptMedia({ promptId: 'owner-away', language: 'zh', values: { advisor: alice, delegate: carol } }, context());
      expect(media.media).to.deep.equal(['sound:cti/zh/owner-away-generic']);
    });
  });

  it('reads a callback number back digit by digit', () => {
    const media = buildPromptMedia({ promptId: 'number-confirmed', language: 'en', values: { number: '1390' } }, context());
    expect(media.media).to.deep.equal([
      'sound:cti/en/number-confirmed-1',
      'sound:cti/en/digit-1',
      'sound:cti/en/digit-3',
      'sound:cti/en/digit-9',
      'sound:cti/en/digit-0',
    ]);
  });

  it('plays a fixed prompt as its single clip', () => {
    expect(buildPromptMedia({ promptId: 'goodbye', language: 'zh' }, context()).media).to.deep.equal(['sound:cti/zh/goodbye']);
  });

  describe('bad values', () => {
    it('refuses a named prompt without the advisor', () => {
      expect(() => buildPromptMedia({ promptId: 'owner-away', language: 'en', values: { delegate: bob } }, context())).to.throw(
        PromptValueError,
        /advisor is missing/,
      );
    });
    it('refuses a number that is not digits', () => {
      expect(() =>
        buildPromptMedia({ promptId: 'number-confirmed', language: 'en', values: { number: '139; rm -rf' } }, context()),
      ).to.throw(PromptValueError, /digits/);
    });
    it('refuses an unknown prompt id or language', () => {
      expect(() => buildPromptMedia({ promptId: 'nope' as 'goodbye', language: 'en' }, context())).to.throw(PromptValueError, /Unknown prompt id/);
      expect(() => buildPromptMedia({ promptId: 'goodbye', language: 'fr' as 'en' }, context())).to.throw(PromptValueError, /language/);
    });
  });
});

describe('parsePromptMedia', () => {
  it('accepts a sounds sub-directory and an http(s) base', () => {
    expect(parsePromptMedia('sound:cti/')).to.deep.equal({ kind: 'sound', dir: 'cti' });
    expect(parsePromptMedia('https://media.example/cti/')).to.deep.equal({ kind: 'http', baseUrl: 'https://media.example/cti' });
  });
  it('refuses traversal, credentials and other schemes with a clear message', () => {
    expect(() => parsePromptMedia('sound:../etc')).to.throw(/sounds sub-directory/);
    expect(() => parsePromptMedia('http://u:p@host/')).to.throw(/without credentials/);
    expect(() => parsePromptMedia('ftp://host/')).to.throw(/sound:<dir> or an http/);
  });
});
