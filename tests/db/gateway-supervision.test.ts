/**
 * The runtime supervises its gateway (issue 17, point 1), on a private stack of its own: killing
 * the gateway process brings a new one up with a line in the gateway log; a gateway that keeps
 * failing to start is retried with growing delays, not in a storm; `stack:status` reports each
 * part's health (PostgreSQL, Auth, the Data API, Storage, the mailbox), also while PostgreSQL is
 * away; `stack:stop` ends the supervisor and the gateway for good.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../supabase/local/config.ts';
import { processAlive as alive } from '../../supabase/local/cli.ts';
import { listening, privateStack } from './private-stack.ts';

const stack = privateStack('gateway-supervision', 1400);
const childPidFile = join(stack.dataDir, 'gateway-child.pid');
const logFile = join(stack.dataDir, 'gateway.log');
const API = `http://127.0.0.1:${stack.ports.api}`;

const childPid = () =>
	existsSync(childPidFile) ? Number(readFileSync(childPidFile, 'utf8')) : null;
const restarts = () =>
	(readFileSync(logFile, 'utf8').match(/\[supervisor\].*gateway exited/g) ?? []).length;

async function until<T>(what: string, fn: () => Promise<T | null> | T | null, ms: number) {
	const deadline = Date.now() + ms;
	while (Date.now() < deadline) {
		const v = await fn();
		if (v) return v;
		await new Promise((r) => setTimeout(r, 200));
	}
	throw new Error(`timed out waiting for ${what}`);
}
async function healthy(): Promise<boolean> {
	try {
		return (await fetch(`${API}/auth/v1/health`, { signal: AbortSignal.timeout(2000) })).ok;
	} catch {
		return false;
	}
}
function status(): Record<string, string> {
	const res = stack.cli('status');
	expect(res.status, res.out).toBe(0);
	return Object.fromEntries([...res.out.matchAll(/^([A-Z_]+)="(.*)"$/gm)].map((m) => [m[1], m[2]]));
}

beforeAll(() => {
	const res = stack.cli('start', { STACK_QUIET: '1' });
	expect(res.status, res.out).toBe(0);
}, 300_000);

afterAll(() => {
	stack.cli('stop');
	stack.remove();
});

describe('gateway supervision', () => {
	it('status reports every part healthy', () => {
		const s = status();
		expect(s).toMatchObject({
			DB_HEALTH: 'ok',
			AUTH_HEALTH: 'ok',
			REST_HEALTH: 'ok',
			STORAGE_HEALTH: 'ok',
			MAILBOX_HEALTH: 'ok',
			GATEWAY_RUNNING: 'true'
		});
		expect(Number(s.GATEWAY_PROCESS_PID)).toBe(childPid());
	});

	it('a killed gateway comes back by itself, with a log line', async () => {
		const first = childPid()!;
		expect(alive(first)).toBe(true);
		const before = restarts();
		process.kill(first, 'SIGKILL');
		const second = await until(
			'a new gateway',
			() => {
				const p = childPid();
				return p && p !== first && alive(p) ? p : null;
			},
			30_000
		);
		await until('the new gateway to answer', healthy, 30_000);
		expect(second).not.toBe(first);
		expect(restarts()).toBe(before + 1);
		expect(readFileSync(logFile, 'utf8')).toMatch(
			/\[supervisor\] \S+ gateway exited \(signal SIGKILL\) after \d+ s; restarting in \d+ ms/
		);
		expect(status()).toMatchObject({ AUTH_HEALTH: 'ok', REST_HEALTH: 'ok' });
	}, 90_000);

	it('a gateway that cannot start is retried with growing delays, then recovers', async () => {
		const pid = childPid()!;
		const before = restarts();
		// Take the API port the moment the gateway lets go of it: every new gateway then fails to listen.
		const blocker = createServer();
		process.kill(pid, 'SIGKILL');
		await until(
			'the port to be free',
			async () => !alive(pid) && !(await listening(stack.ports.api)),
			10_000
		);
		await new Promise<void>((resolve, reject) => {
			blocker.once('error', reject);
			blocker.listen(stack.ports.api, '127.0.0.1', () => resolve());
		});
		try {
			await new Promise((r) => setTimeout(r, 12_000));
			// Delays 0.5, 1, 2, 4, 8 s: at most 5 failed starts in 12 s (a storm would be hundreds).
			const failed = restarts() - before;
			expect(failed).toBeGreaterThanOrEqual(2);
			expect(failed).toBeLessThanOrEqual(6);
			const delays = [
				...readFileSync(logFile, 'utf8').matchAll(/gateway exited .*restarting in (\d+) ms/g)
			]
				.slice(before)
				.map((m) => Number(m[1]));
			for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1]);
		} finally {
			await new Promise((r) => blocker.close(r));
		}
		await until('the gateway to answer again', healthy, 45_000);
	}, 120_000);

	it('status says so while PostgreSQL is away, and stop ends supervisor and gateway', async () => {
		// Only PostgreSQL, through supabase/local/postgres.ts in a process with the stack's environment.
		const pgStop = spawnSync(
			process.execPath,
			[
				'--input-type=module',
				'-e',
				`const m = await import(${JSON.stringify(join(ROOT, 'supabase/local/postgres.ts'))}); m.stopCluster();`
			],
			{ env: stack.env, encoding: 'utf8' }
		);
		expect(pgStop.status, pgStop.stderr).toBe(0);
		const down = status();
		expect(down.DB_HEALTH).toBe('stopped');
		expect(down.AUTH_HEALTH).toBe('down (503)');
		expect(down.REST_HEALTH).toBe('down (503)');
		expect(down.MAILBOX_HEALTH).toBe('ok');
		expect(down.GATEWAY_RUNNING).toBe('true');

		const gateway = childPid()!;
		const supervisor = Number(readFileSync(join(stack.dataDir, 'gateway.pid'), 'utf8'));
		expect(stack.cli('stop').status).toBe(0);
		expect(alive(gateway)).toBe(false);
		expect(alive(supervisor)).toBe(false);
		expect(await listening(stack.ports.api)).toBe(false);
	}, 60_000);
});
