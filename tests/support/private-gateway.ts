/**
 * A gateway process of a test's own on free ports (API, mailbox, SMTP), over the shared database,
 * configured the way an operator would (environment). By default its Auth sends no e-mail through
 * the Send Email hook but renders the templates itself (as Supabase Auth does without the hook), so
 * tests of Auth's own mail contract do not depend on the portal running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT } from '../../supabase/local/config.ts';

export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = createServer();
		srv.once('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address() as { port: number };
			srv.close(() => resolve(port));
		});
	});
}

export interface PrivateGateway {
	url: string;
	mailUrl: string;
	smtpPort: number;
	log(): string;
	stop(): Promise<void>;
}

export async function privateGateway(env: Record<string, string> = {}): Promise<PrivateGateway> {
	const [apiPort, mailPort, smtpPort] = [await freePort(), await freePort(), await freePort()];
	const nodeBin = existsSync(join(ROOT, 'node_modules', '.bin', 'node'))
		? join(ROOT, 'node_modules', '.bin', 'node')
		: process.execPath;
	let log = '';
	const proc: ChildProcess = spawn(
		nodeBin,
		[join(ROOT, 'supabase', 'local', 'gateway', 'server.ts')],
		{
			cwd: ROOT,
			env: {
				...process.env,
				SUPABASE_API_PORT: String(apiPort),
				SUPABASE_MAIL_PORT: String(mailPort),
				SUPABASE_SMTP_PORT: String(smtpPort),
				SUPABASE_AUTH_HOOK_SEND_EMAIL_ENABLED: 'false',
				...env
			},
			stdio: ['ignore', 'pipe', 'pipe']
		}
	);
	proc.stdout?.on('data', (d) => (log += d));
	proc.stderr?.on('data', (d) => (log += d));
	const url = `http://127.0.0.1:${apiPort}`;
	const deadline = Date.now() + 30_000;
	for (;;) {
		try {
			if ((await fetch(`${url}/auth/v1/health`)).ok) break;
		} catch {
			/* not up yet */
		}
		if (proc.exitCode !== null || Date.now() > deadline) {
			proc.kill('SIGTERM');
			throw new Error(`private gateway did not start:\n${log}`);
		}
		await new Promise((r) => setTimeout(r, 150));
	}
	return {
		url,
		mailUrl: `http://127.0.0.1:${mailPort}`,
		smtpPort,
		log: () => log,
		async stop() {
			if (proc.exitCode !== null) return;
			const exited = new Promise((r) => proc.once('exit', r));
			proc.kill('SIGTERM');
			await exited;
		}
	};
}
