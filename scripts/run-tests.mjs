#!/usr/bin/env node
// Runs mocha and ends with the plain line `N passed, N failed, N skipped`.
// Under CI=true a skipped test fails the run: CI always provides PostgreSQL,
// Redis and Chromium, so a skip there means a suite silently did not run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const summaryFile = join(mkdtempSync(join(tmpdir(), 'cti-test-')), 'summary.json');
const mocha = join('node_modules', 'mocha', 'bin', 'mocha.js');
const args = process.argv.slice(2);
const specs = args.some((a) => !a.startsWith('-')) ? [] : ['test/**/*.test.ts'];
const result = spawnSync(process.execPath, [mocha, ...specs, ...args], {
  stdio: 'inherit',
  env: { ...process.env, CTI_TEST_SUMMARY: summaryFile },
});

if (!existsSync(summaryFile)) {
  console.log('0 passed, 1 failed');
  console.error('mocha ended before reporting results (exit %s)', result.status ?? result.signal);
  process.exit(1);
}
const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
const ci = process.env.CI === 'true';
let failed = summary.failures;
if (ci && summary.pending > 0) {
  console.error(`CI=true: ${summary.pending} skipped test(s) count as failures:`);
  for (const title of summary.skipped) console.error(`  - ${title}`);
  failed += summary.pending;
}
if (summary.passes + failed === 0) {
  console.error('no test ran');
  failed = 1;
}
console.log(`${summary.passes} passed, ${failed} failed, ${summary.pending} skipped`);
process.exit(failed > 0 || result.status !== 0 ? 1 : 0);
