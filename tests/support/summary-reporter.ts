/**
 * Writes the run's counts to `test-results/vitest-summary.json` so `tests/run.ts` can print the
 * one summary line CI reads (`N passed, N failed`), and prints it for direct vitest runs too.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
	onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>) {
		let passed = 0;
		let failed = 0;
		let skipped = 0;
		for (const mod of testModules) {
			for (const test of mod.children.allTests()) {
				const state = test.result().state;
				if (state === 'passed') passed++;
				else if (state === 'failed') failed++;
				else skipped++;
			}
			// A file that failed to load has no tests but must count as a failure.
			if (mod.state() === 'failed' && [...mod.children.allTests()].length === 0) failed++;
		}
		failed += unhandledErrors.length;
		mkdirSync('test-results', { recursive: true });
		writeFileSync('test-results/vitest-summary.json', JSON.stringify({ passed, failed, skipped }));
		if (!process.env.CLINIC_TEST_RUNNER) console.log(`\n${passed} passed, ${failed} failed`);
	}
}
