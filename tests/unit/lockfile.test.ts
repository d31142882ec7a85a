/**
 * package-lock.json is complete for every platform: every optional dependency of every locked
 * package (the per-OS binaries of rollup, tailwind, lightningcss, the Supabase CLI…) has its own
 * entry, so `npm ci` accepts the lockfile on any OS and a fresh clone stays clean after
 * `npm install` (npm only adds what is missing).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

interface Locked {
	version?: string;
	optionalDependencies?: Record<string, string>;
}

const lock = JSON.parse(
	readFileSync(join(import.meta.dirname, '..', '..', 'package-lock.json'), 'utf8')
) as { lockfileVersion: number; packages: Record<string, Locked> };

/** Where Node would find `dep` from the package at `path` (nested first, then outwards). */
function resolveFrom(path: string, dep: string): string | null {
	let dir = path;
	for (;;) {
		const candidate = `${dir ? `${dir}/` : ''}node_modules/${dep}`;
		if (lock.packages[candidate]) return candidate;
		if (!dir) return null;
		const up = dir.lastIndexOf('/node_modules/');
		dir = up < 0 ? '' : dir.slice(0, up);
	}
}

describe('package-lock.json', () => {
	it('locks every optional (per-platform) dependency, so npm ci works on every OS', () => {
		const missing: string[] = [];
		for (const [path, pkg] of Object.entries(lock.packages)) {
			for (const [dep, range] of Object.entries(pkg.optionalDependencies ?? {})) {
				const found = resolveFrom(path, dep);
				if (!found) missing.push(`${path || '(root)'} -> ${dep}@${range}`);
			}
		}
		expect(lock.lockfileVersion).toBe(3);
		expect(missing).toEqual([]);
	});
});
