/**
 * For Auth contract tests: a private gateway (its own ports, the same database and keys) started
 * with other Auth settings, and requests sent from another loopback address, so that per-address
 * rate limits can be exercised without touching the rest of the suite's buckets.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { keys } from './stack.ts';

const ROOT = join(import.meta.dirname, '..', '..');

export function freePort(): Promise<number> {
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
	stop(): Promise<void>;
}

/** Starts `gateway/server.ts` on free ports with extra environment (Auth settings). */
export async function startPrivateGateway(env: Record<string, string>): Promise<PrivateGateway> {
	const apiPort = await freePort();
	const mailPort = await freePort();
	const url = `http://127.0.0.1:${apiPort}`;
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
				...env
			},
			stdio: ['ignore', 'pipe', 'pipe']
		}
	);
	proc.stdout?.on('data', (d) => (log += d));
	proc.stderr?.on('data', (d) => (log += d));
	const deadline = Date.now() + 20_000;
	for (;;) {
		try {
			if ((await fetch(`${url}/auth/v1/health`)).ok) break;
		} catch {
			/* not up yet */
		}
		if (Date.now() > deadline) throw new Error(`private gateway did not start:\n${log}`);
		await new Promise((r) => setTimeout(r, 150));
	}
	return {
		url,
		mailUrl: `http://127.0.0.1:${mailPort}`,
		async stop() {
			if (proc.exitCode !== null) return;
			const exited = new Promise((r) => proc.once('exit', r));
			proc.kill('SIGTERM');
			await exited;
		}
	};
}

/** A loopback address of its own (127.0.0.2–254), as a distinct client would have. */
export function randomLoopback(): string {
	return `127.0.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 253) + 2}`;
}

/**
 * A `fetch` whose connections leave from `localAddress` (the server sees that client address).
 * Plain HTTP only, enough for supabase-js against the local gateway.
 */
export function fetchFrom(localAddress: string): typeof fetch {
	return async (input, init) => {
		const req = new Request(input, init);
		const url = new URL(req.url);
		const body = req.body ? Buffer.from(await req.arrayBuffer()) : undefined;
		return new Promise<Response>((resolve, reject) => {
			const r = request(
				{
					host: url.hostname,
					port: url.port,
					path: url.pathname + url.search,
					method: req.method,
					headers: Object.fromEntries(req.headers),
					localAddress
				},
				(res) => {
					const chunks: Buffer[] = [];
					res.on('data', (c: Buffer) => chunks.push(c));
					res.on('end', () => {
						const headers = new Headers();
						for (const [k, v] of Object.entries(res.headers)) {
							if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
						}
						const status = res.statusCode ?? 500;
						const noBody = status === 204 || status === 304 || req.method === 'HEAD';
						resolve(new Response(noBody ? null : Buffer.concat(chunks), { status, headers }));
					});
					res.on('error', reject);
				}
			);
			r.on('error', reject);
			r.end(body);
		});
	};
}

/** supabase-js with the publishable key against `url`, sending from `localAddress` if given. */
export function clientAt(url: string, localAddress?: string): SupabaseClient {
	return createClient(url, keys.publishableKey, {
		auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
		global: localAddress ? { fetch: fetchFrom(localAddress) } : {}
	});
}
