/**
 * For Auth contract tests: a private gateway (its own ports, the same database and keys) started
 * with other Auth settings, and requests sent from another loopback address, so that per-address
 * rate limits can be exercised without touching the rest of the suite's buckets.
 */
import { request } from 'node:http';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { keys } from './stack.ts';
import { freePort, privateGateway, type PrivateGateway } from './private-gateway.ts';

export { freePort, type PrivateGateway };

/**
 * Starts `gateway/server.ts` on free ports (API, mailbox, SMTP) with extra environment (Auth
 * settings); its Auth renders its own e-mail (no Send Email hook), see private-gateway.ts.
 */
export function startPrivateGateway(env: Record<string, string>): Promise<PrivateGateway> {
	return privateGateway(env);
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
