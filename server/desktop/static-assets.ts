// Serves agent-desktop/ (plain HTML, CSS and ES modules, no build step) at `/`.
// The API mounts this after its /api routes; unknown /api paths must not fall into it.
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';

export const DESKTOP_ASSETS_DIR = fileURLToPath(new URL('../../agent-desktop/', import.meta.url));

export function desktopAssets(): Router {
  const router = express.Router();
  router.use(
    express.static(DESKTOP_ASSETS_DIR, {
      index: 'index.html',
      // ES modules change with each deploy and there is no build step to fingerprint them.
      setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache'),
    }),
  );
  return router;
}
