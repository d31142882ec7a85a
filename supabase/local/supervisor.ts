/**
 * Keeps the gateway running: `cli.ts start` launches this small process (detached, its pid in
 * `gateway.pid`), and it runs the gateway (`gateway/server.ts`) as its child. When the gateway
 * exits for any reason other than `stack:stop`, the supervisor writes one line to the gateway log
 * and starts it again, with a growing delay (0.5 s, 1 s, 2 s … at most 30 s) while it keeps
 * exiting soon after starting, so a gateway that cannot start (a port taken, a broken build)
 * never turns into a restart storm. A gateway that stayed up for a minute counts as healthy again.
 *
 * `stack:stop` sends SIGTERM here: the supervisor stops restarting, passes SIGTERM to the gateway
 * (which closes its servers and pools) and exits when it has.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GATEWAY_CHILD_PID, ROOT } from './config.ts';

const GATEWAY_ENTRY = join(ROOT, 'supabase', 'local', 'gateway', 'server.ts');
/** The first restart waits this long; each quick exit doubles it, up to MAX_DELAY_MS. */
export const FIRST_DELAY_MS = Number(process.env.GATEWAY_RESTART_DELAY_MS ?? 500);
export const MAX_DELAY_MS = 30_000;
/** A gateway that ran this long before exiting is restarted after FIRST_DELAY_MS again. */
export const HEALTHY_AFTER_MS = 60_000;

/** The delay before the next start, given the current one and how long the gateway ran. */
export function nextDelay(current: number, ranMs: number): number {
	if (ranMs >= HEALTHY_AFTER_MS) return FIRST_DELAY_MS;
	return Math.min(Math.max(current, FIRST_DELAY_MS) * 2, MAX_DELAY_MS);
}

function line(msg: string) {
	// stdout is the gateway log (opened by cli.ts); the gateway's own lines go there too.
	console.log(`[supervisor] ${new Date().toISOString()} ${msg}`);
}

function run() {
	let child: ChildProcess | null = null;
	let stopping = false;
	let delay = FIRST_DELAY_MS;
	let timer: NodeJS.Timeout | null = null;

	const launch = () => {
		timer = null;
		const startedAt = Date.now();
		child = spawn(process.execPath, [GATEWAY_ENTRY], {
			cwd: ROOT,
			stdio: ['ignore', 'inherit', 'inherit'],
			env: process.env
		});
		if (child.pid) writeFileSync(GATEWAY_CHILD_PID, String(child.pid));
		child.once('exit', (code, signal) => {
			child = null;
			rmSync(GATEWAY_CHILD_PID, { force: true });
			if (stopping) {
				process.exit(0);
			}
			const ran = Date.now() - startedAt;
			const wait = ran >= HEALTHY_AFTER_MS ? FIRST_DELAY_MS : delay;
			delay = nextDelay(delay, ran);
			line(
				`gateway exited (${signal ? `signal ${signal}` : `code ${code}`}) after ${Math.round(ran / 1000)} s; restarting in ${wait} ms`
			);
			timer = setTimeout(launch, wait);
		});
		child.once('error', (err) => line(`could not start the gateway: ${err.message}`));
	};

	const stop = () => {
		stopping = true;
		if (timer) clearTimeout(timer);
		if (!child) process.exit(0);
		child.kill('SIGTERM');
		// A gateway that does not close within 10 s is ended.
		setTimeout(() => child?.kill('SIGKILL'), 10_000).unref();
	};
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
	line(`supervising the gateway (pid ${process.pid})`);
	launch();
}

if (import.meta.main) run();
