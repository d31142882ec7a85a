/**
 * Auth's site URL and redirect allow-list follow the portal's configured ports (config.toml reads
 * them with env(); supabase/local/config.ts derives them when unset), so e-mail links lead back to
 * the portal on whatever port it runs.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CONFIG = join(import.meta.dirname, '..', '..', 'supabase', 'local', 'config.ts');

/** authUrlEnv() as a fresh process with exactly these variables sees it. */
function urlsWith(env: Record<string, string>) {
	const base = Object.fromEntries(
		Object.entries(process.env).filter(
			([k]) =>
				!['DEV_PORT', 'PORT', 'E2E_APP_PORT', 'SITE_URL', 'ADDITIONAL_REDIRECT_URLS'].includes(k)
		)
	);
	const res = spawnSync(
		process.execPath,
		[
			'--input-type=module',
			'-e',
			`const c = await import(${JSON.stringify(CONFIG)}); console.log(JSON.stringify(c.authUrlEnv()));`
		],
		{ env: { ...base, ...env }, encoding: 'utf8' }
	);
	expect(res.stderr).toBe('');
	return JSON.parse(res.stdout) as { SITE_URL: string; ADDITIONAL_REDIRECT_URLS: string };
}

describe('Auth URLs of the local runtime', () => {
	it('default to the dev server (5173) and allow the production build (4173)', () => {
		expect(urlsWith({})).toEqual({
			SITE_URL: 'http://localhost:5173',
			ADDITIONAL_REDIRECT_URLS:
				'http://localhost:5173/**,http://*.localhost:5173/**,http://localhost:4173/**,http://*.localhost:4173/**'
		});
	});

	it('follow the dev, production and browser-test ports when they are moved', () => {
		expect(urlsWith({ DEV_PORT: '6100', PORT: '6200', E2E_APP_PORT: '6300' })).toEqual({
			SITE_URL: 'http://localhost:6100',
			ADDITIONAL_REDIRECT_URLS: [6100, 6200, 6300]
				.flatMap((p) => [`http://localhost:${p}/**`, `http://*.localhost:${p}/**`])
				.join(',')
		});
	});

	it('take explicit values as given (hosted settings for `supabase config push`)', () => {
		expect(
			urlsWith({
				SITE_URL: 'https://portal.example.com',
				ADDITIONAL_REDIRECT_URLS: 'https://*.portal.example.com/**'
			})
		).toEqual({
			SITE_URL: 'https://portal.example.com',
			ADDITIONAL_REDIRECT_URLS: 'https://*.portal.example.com/**'
		});
	});
});
