// `npm run prompts`: renders the whole catalog to ivr-prompts/audio/<lang>/ (or --out DIR),
// skipping clips whose content is unchanged (--force renders everything again).
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderCatalog } from '../server/prompts/tts.js';
import { PromptToolMissingError } from '../server/prompts/errors.js';

const here = dirname(fileURLToPath(import.meta.url));

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, force: { type: 'boolean', default: false }, quiet: { type: 'boolean', default: false } },
  });
  const audioDir = values.out ?? join(here, 'audio');
  const report = await renderCatalog({ audioDir, force: values.force });
  if (!values.quiet) for (const clip of report.made) console.log(`made ${clip}.wav`);
  console.log(
    `${report.made.length} clip(s) made, ${report.upToDate.length} up to date, in ${relative(process.cwd(), audioDir) || '.'}`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof PromptToolMissingError ? error.message : error);
    process.exit(1);
  },
);
