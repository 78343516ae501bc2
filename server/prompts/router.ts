// Serves rendered and recorded clips for the http(s):// media mode:
// GET /media/prompts/<lang>/<name>.wav. Asterisk's media cache downloads a clip once
// and revalidates it with the ETag, so names can be re-rendered in place (an advisor
// renamed) without stale audio lasting longer than the max-age.
import { Router, type Request, type Response } from 'express';
import { resolve, sep } from 'node:path';
import { LANGUAGES } from '../domain/model.js';
import { MEDIA_NAME_PATTERN } from '../../ivr-prompts/clips.js';
import { PROMPT_MEDIA_PATH } from './media.js';

const MAX_AGE_MS = 5 * 60_000;

function notFound(res: Response): void {
  res.status(404).json({ error: { code: 'not_found', message: 'No such prompt clip: ask for /media/prompts/<zh|en>/<name>.wav.' } });
}

export function createPromptMediaRouter(audioDir: string): Router {
  const root = resolve(audioDir);
  const router = Router();

  router.get(`${PROMPT_MEDIA_PATH}/:lang/:file`, (req: Request<{ lang: string; file: string }>, res, next) => {
    const { lang, file } = req.params;
    const clip = file.endsWith('.wav') ? file.slice(0, -'.wav'.length) : '';
    if (!(LANGUAGES as readonly string[]).includes(lang) || !MEDIA_NAME_PATTERN.test(clip)) return notFound(res);
    const path = resolve(root, lang, `${clip}.wav`);
    // The name pattern already forbids separators and dots; this keeps it true if the pattern ever changes.
    if (!path.startsWith(root + sep)) return notFound(res);
    res.sendFile(
      path,
      { maxAge: MAX_AGE_MS, dotfiles: 'deny', headers: { 'Content-Type': 'audio/wav' }, lastModified: true },
      (error?: Error & { status?: number; statusCode?: number }) => {
        if (!error) return;
        if (res.headersSent) return next(error);
        const status = error.status ?? error.statusCode ?? 500;
        if (status === 404) return notFound(res);
        next(error);
      },
    );
  });

  // Anything else under the prefix (directory paths, other methods' targets) is a plain 404: no listing.
  router.use(PROMPT_MEDIA_PATH, (_req, res) => notFound(res));
  return router;
}
