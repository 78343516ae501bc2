// Mocha's spec output plus a machine-readable summary for scripts/run-tests.mjs,
// which prints the closing `N passed, N failed` line CI reads.
'use strict';
const fs = require('node:fs');
const Mocha = require('mocha');

const { Spec } = Mocha.reporters;
const { EVENT_RUN_END, EVENT_TEST_PENDING } = Mocha.Runner.constants;

class SummaryReporter extends Spec {
  constructor(runner, options) {
    super(runner, options);
    const skipped = [];
    runner.on(EVENT_TEST_PENDING, (test) => skipped.push(test.fullTitle()));
    runner.once(EVENT_RUN_END, () => {
      const out = process.env.CTI_TEST_SUMMARY;
      if (!out) return;
      const { passes, failures, pending } = runner.stats;
      fs.writeFileSync(out, JSON.stringify({ passes, failures, pending, skipped }));
    });
  }
}

module.exports = SummaryReporter;
