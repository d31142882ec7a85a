/**
 * What the portal benchmarks share (bench/portal.ts, bench/chart.ts) beyond the probe they serve
 * and load the portal with (tests/support/portal-probe.ts): the production build made when
 * missing (or when asked), and percentiles.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../supabase/local/config.ts';

/** Builds the portal (`vite build`) when there is no build or when `rebuild`. */
export function ensureBuild(rebuild: boolean, log: (m: string) => void): void {
	if (!rebuild && existsSync(join(ROOT, 'build', 'handler.js'))) return;
	log('building the portal (vite build)…');
	const b = spawnSync(join(ROOT, 'node_modules', '.bin', 'vite'), ['build'], {
		cwd: ROOT,
		stdio: ['ignore', 'ignore', 'inherit']
	});
	if (b.status !== 0) throw new Error('vite build failed');
}

/** The p-th percentile (nearest rank) of samples. */
export function pct(xs: number[], p: number): number {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}
