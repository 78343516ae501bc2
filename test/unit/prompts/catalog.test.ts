import { expect } from 'chai';
import { LANGUAGES } from '../../../server/domain/model.js';
import {
  MINUTE_VALUES,
  PERSON_PLACEHOLDERS,
  PROMPT_IDS,
  getPrompt,
  isPromptId,
  parsePromptText,
  placeholdersOf,
} from '../../../ivr-prompts/catalog.js';
import {
  MEDIA_NAME_PATTERN,
  advisorClips,
  announceMinutes,
  catalogClips,
  promptPlan,
} from '../../../ivr-prompts/clips.js';

describe('prompt catalog', () => {
  it('holds the prompts the call flow and the front IVR need', () => {
    for (const id of [
      'welcome',
      'language-menu',
      'service-menu',
      'owner-busy-choices',
      'owner-busy-no-estimate',
      'owner-away',
      'please-hold',
      'connecting',
      'still-waiting',
      'expected-wait',
      'peak-callback-offer',
      'callback-number-menu',
      'number-confirmed',
      'callback-confirmed',
      'invalid-key',
      'no-key',
      'goodbye',
      'all-busy',
      'fallback',
      'fallback-closed',
      'record-name-instructions',
      'record-greeting-instructions',
      'record-review',
    ]) {
      expect(isPromptId(id), id).to.equal(true);
    }
  });

  it('gives every prompt a non-empty text in every language with the same placeholders', () => {
    for (const id of PROMPT_IDS) {
      const { text, generic } = getPrompt(id);
      for (const language of LANGUAGES) expect(text[language].trim(), `${id} ${language}`).to.not.equal('');
      expect(placeholdersOf(text.zh), id).to.deep.equal(placeholdersOf(text.en));
      if (generic) expect(placeholdersOf(generic.zh), `${id} generic`).to.deep.equal(placeholdersOf(generic.en));
    }
  });

  it('gives every prompt that names someone a generic text without names, keeping its other placeholders', () => {
    for (const id of PROMPT_IDS) {
      const { text, generic } = getPrompt(id);
      const names = placeholdersOf(text.zh);
      if (!names.some((name) => (PERSON_PLACEHOLDERS as readonly string[]).includes(name))) continue;
      expect(generic, `${id} needs a generic text`).to.not.equal(undefined);
      expect(placeholdersOf(generic!.zh)).to.deep.equal(
        names.filter((name) => !(PERSON_PLACEHOLDERS as readonly string[]).includes(name)),
      );
    }
  });

  it('gives every prompt with {minutes} a no-estimate prompt that promises no number', () => {
    for (const id of PROMPT_IDS) {
      const prompt = getPrompt(id);
      if (!placeholdersOf(prompt.text.zh).includes('minutes')) continue;
      expect(prompt.noEstimate, id).to.be.a('string');
      expect(isPromptId(prompt.noEstimate!), `${id} -> ${prompt.noEstimate}`).to.equal(true);
      if (isPromptId(prompt.noEstimate!)) expect(placeholdersOf(getPrompt(prompt.noEstimate).text.zh)).to.not.include('minutes');
    }
  });

  it('keeps the task wording of the owner-busy and owner-away prompts', () => {
    expect(getPrompt('owner-busy-choices').text.zh).to.equal(
      '您的专属顾问{advisor}正在通话中，预计等待约{minutes}。继续等待{advisor}请按1，请{advisor}稍后回电请按2，转接其他顾问请按3。',
    );
    expect(getPrompt('owner-away').text.en).to.equal('{advisor} is away today; {delegate} is standing in.');
  });

  it('rejects an unknown placeholder', () => {
    expect(() => parsePromptText('Hello {caller}')).to.throw(/Unknown placeholder \{caller\}/);
  });

  it('names every clip uniquely with a safe media name', () => {
    const clips = catalogClips();
    const keys = clips.map((clip) => `${clip.language}/${clip.name}`);
    expect(new Set(keys).size).to.equal(keys.length);
    for (const clip of clips) {
      expect(clip.name).to.match(MEDIA_NAME_PATTERN);
      expect(clip.text.trim()).to.not.equal('');
    }
    for (const language of LANGUAGES) {
      for (const minutes of MINUTE_VALUES) expect(keys).to.include(`${language}/minutes-${minutes}`);
      for (const digit of '0123456789') expect(keys).to.include(`${language}/digit-${digit}`);
    }
  });

  it('splits a named prompt into fragments around the slots', () => {
    expect(promptPlan('owner-away', 'main', 'en')).to.deep.equal([
      { kind: 'slot', name: 'advisor' },
      { kind: 'clip', name: 'owner-away-1', text: 'is away today;' },
      { kind: 'slot', name: 'delegate' },
      { kind: 'clip', name: 'owner-away-2', text: 'is standing in.' },
    ]);
    expect(promptPlan('goodbye', 'main', 'zh')).to.deep.equal([{ kind: 'clip', name: 'goodbye', text: '感谢您的来电，再见。' }]);
  });

  it('renders per-advisor clips in each language with that language\'s name', () => {
    const clips = advisorClips({ id: 7, name: 'Alice', nameZh: '王丽' });
    const zhName = clips.find((clip) => clip.language === 'zh' && clip.name === 'advisor-7-name');
    const enSentence = clips.find((clip) => clip.language === 'en' && clip.name === 'advisor-7-connecting');
    expect(zhName?.text).to.equal('王丽');
    expect(enSentence?.text).to.equal('Please hold, connecting you to Alice.');
    expect(clips.map((clip) => clip.name)).to.not.include('advisor-7-owner-away');
  });

  describe('announceMinutes', () => {
    it('announces the estimate when a clip exists for it', () => {
      expect(announceMinutes(3)).to.equal(3);
      expect(announceMinutes(10)).to.equal(10);
    });
    it('rounds up to the next clip, never promising a shorter wait', () => {
      expect(announceMinutes(2.2)).to.equal(3);
      expect(announceMinutes(11)).to.equal(15);
      expect(announceMinutes(16)).to.equal(20);
      expect(announceMinutes(0)).to.equal(1);
    });
    it('promises no number beyond the largest clip or for nonsense', () => {
      expect(announceMinutes(31)).to.equal(null);
      expect(announceMinutes(-1)).to.equal(null);
      expect(announceMinutes(Number.NaN)).to.equal(null);
    });
  });
});
