/**
 * Global setup for browser tests: builds the portal and serves the production build on a loopback
 * port with the local runtime's environment, as `npm start` does.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../supabase/local/config.ts';

export const APP_PORT = Number(process.env.E2E_APP_PORT ?? 4173);

function appEnv(): Record<string, string> {
	const env: Record<string, string> = {};
	for (const line of readFileSync(join(ROOT, '.env.local'), 'utf8').split('\n')) {
		const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
		if (m) env[m[1]] = m[2];
	}
	return env;
}

async function waitUp(url: string, ms: number) {
	const end = Date.now() + ms;
	while (Date.now() < end) {
		try {
			await fetch(url);
			return;
		} catch {
			await new Promise((r) => setTimeout(r, 200));
		}
	}
	throw new Error(`app did not start at ${url}`);
}

let child: ChildProcess | undefined;

export default async function setup() {
	if (!process.env.E2E_SKIP_BUILD) {
		const build = spawnSync(join(ROOT, 'node_modules', '.bin', 'vite'), ['build'], {
			cwd: ROOT,
			stdio: ['ignore', 'ignore', 'inherit']
		});
		if (build.status !== 0) throw new Error('vite build failed');
	}
	child = spawn(process.execPath, [join(ROOT, 'scripts', 'serve.ts')], {
		cwd: ROOT,
		env: {
			...process.env,
			...appEnv(),
			PORT: String(APP_PORT),
			BUILD_DIR: process.env.BUILD_DIR ?? 'build',
			HOST: '127.0.0.1'
		},
		stdio: ['ignore', 'inherit', 'inherit']
	});
	await waitUp(`http://127.0.0.1:${APP_PORT}/`, 30_000);
	return async () => {
		child?.kill('SIGTERM');
	};
}
