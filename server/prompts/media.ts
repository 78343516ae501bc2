// Where Asterisk finds prompt audio (CTI_PROMPT_MEDIA), and the media URI for a clip.
//   sound:<dir>      clips are installed in Asterisk's sounds directory under <dir>;
//                    play `sound:<dir>/<lang>/<name>` (no extension: Asterisk picks the format).
//   http(s)://base   the CTI server serves clips; play `sound:<base>/media/prompts/<lang>/<name>.wav`,
//                    which Asterisk 14+ downloads and keeps in its media cache.
import type { Language } from '../domain/model.js';
import { ValidationError } from '../shared/errors.js';

export type PromptMediaLocation = { kind: 'sound'; dir: string } | { kind: 'http'; baseUrl: string };

/** Path under which createPromptMediaRouter serves clips. */
export const PROMPT_MEDIA_PATH = '/media/prompts';

const SOUND_DIR = /^\/?[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*$/;

export function parsePromptMedia(setting: string): PromptMediaLocation {
  const value = setting.trim();
  if (value.startsWith('sound:')) {
    const dir = value.slice('sound:'.length).replace(/\/+$/, '');
    if (!SOUND_DIR.test(dir)) {
      throw new ValidationError(
        `CTI_PROMPT_MEDIA "${setting}" needs a sounds sub-directory made of letters, digits, - and _, e.g. sound:cti.`,
      );
    }
    return { kind: 'sound', dir };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError(`CTI_PROMPT_MEDIA "${setting}" must be sound:<dir> or an http(s):// base URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError(`CTI_PROMPT_MEDIA "${setting}" must be sound:<dir> or an http(s):// base URL.`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ValidationError('CTI_PROMPT_MEDIA must be a plain base URL without credentials, query or fragment.');
  }
  return { kind: 'http', baseUrl: url.toString().replace(/\/+$/, '') };
}

/** The URI to hand to ARI `play` for one clip. */
export function promptMediaUri(location: PromptMediaLocation, language: Language, clip: string): string {
  if (location.kind === 'sound') return `sound:${location.dir}/${language}/${clip}`;
  return `sound:${location.baseUrl}${PROMPT_MEDIA_PATH}/${language}/${clip}.wav`;
}
