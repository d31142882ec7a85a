/** Where every benchmark script writes its runs: bench/results/<name>-<time>.json. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const RESULTS_DIR = join(import.meta.dirname, 'results');

/** Writes one run's result as `<name>-<time>.json` (time of `at`, file-name safe); its path. */
export function saveResult(name: string, result: unknown, at = new Date()): string {
	mkdirSync(RESULTS_DIR, { recursive: true });
	const file = join(RESULTS_DIR, `${name}-${at.toISOString().replace(/[:.]/g, '-')}.json`);
	writeFileSync(file, JSON.stringify(result, null, '\t') + '\n');
	return file;
}
