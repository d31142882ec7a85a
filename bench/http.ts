/**
 * What the portal benchmarks share (bench/portal.ts, bench/chart.ts): the production build served on
 * a loopback port behind a counting proxy in front of the gateway, and HTTP with a `Host` header
 * (Node does not resolve `*.localhost`) and a hand-made cookie jar. Loopback only.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..');

/** The app's environment as `stack:start` wrote it (.env.local). */
export function envFile(): Record<string, string> {
	const env: Record<string, string> = {};
	for (const line of readFileSync(join(ROOT, '.env.local'), 'utf8').split('\n')) {
		const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
		if (m) env[m[1]] = m[2];
	}
	return env;
}

/** Counting proxy in front of the gateway: requests per `rest|auth|storage <resource>`. */
export function startCountingProxy(
	gateway: URL
): Promise<{ server: Server; url: string; counts: Map<string, number> }> {
	const counts = new Map<string, number>();
	const countKey = (path: string) => {
		const m = /^\/(rest|auth|storage)\/v1\/(rpc\/[^?/]+|[^?/]+)/.exec(path);
		return m ? `${m[1]} ${m[2]}` : `other ${path.split('?')[0]}`;
	};
	const server = createServer((req, res) => {
		const key = countKey(req.url ?? '');
		counts.set(key, (counts.get(key) ?? 0) + 1);
		const up = request(
			{
				host: gateway.hostname,
				port: gateway.port,
				method: req.method,
				path: req.url,
				headers: { ...req.headers, host: gateway.host }
			},
			(upRes) => {
				res.writeHead(upRes.statusCode ?? 502, upRes.headers);
				upRes.pipe(res);
			}
		);
		up.on('error', () => {
			res.writeHead(502);
			res.end();
		});
		req.pipe(up);
	});
	// as the gateway (server.ts): idle keep-alive sockets outlive the portal's fetch pool (4 s), so the
	// portal never reuses a socket the proxy is closing ("fetch failed" under load)
	server.keepAliveTimeout = 65_000;
	return new Promise((resolve) =>
		server.listen(0, '127.0.0.1', () =>
			resolve({
				server,
				url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
				counts
			})
		)
	);
}

export interface Res {
	status: number;
	headers: IncomingMessage['headers'];
	body: string;
	ms: number;
}

export interface HttpOptions {
	method?: string;
	cookies?: Map<string, string>;
	body?: string;
	headers?: Record<string, string>;
}

/** An HTTP client for the portal on `port`: requests to 127.0.0.1 with `Host: <host>:<port>`. */
export function portalHttp(port: number) {
	return function http(host: string, path: string, opts: HttpOptions = {}): Promise<Res> {
		const t0 = performance.now();
		return new Promise((resolve, reject) => {
			const headers: Record<string, string> = {
				host: `${host}:${port}`,
				accept: 'text/html',
				...(opts.headers ?? {})
			};
			if (opts.cookies?.size)
				headers.cookie = [...opts.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
			if (opts.body) headers['content-length'] = String(Buffer.byteLength(opts.body));
			const req = request(
				{ host: '127.0.0.1', port, method: opts.method ?? 'GET', path, headers, agent: false },
				(res) => {
					const chunks: Buffer[] = [];
					res.on('data', (c: Buffer) => chunks.push(c));
					res.on('end', () => {
						for (const c of res.headers['set-cookie'] ?? []) {
							const [pair, ...attrs] = c.split(';');
							const i = pair.indexOf('=');
							const name = pair.slice(0, i).trim();
							const value = pair.slice(i + 1);
							const expired = attrs.some(
								(a) => /max-age=0\b/i.test(a.trim()) || /expires=thu, 01 jan 1970/i.test(a.trim())
							);
							if (opts.cookies) {
								if (expired || value === '') opts.cookies.delete(name);
								else opts.cookies.set(name, value);
							}
						}
						resolve({
							status: res.statusCode ?? 0,
							headers: res.headers,
							body: Buffer.concat(chunks).toString('utf8'),
							ms: performance.now() - t0
						});
					});
				}
			);
			req.on('error', reject);
			if (opts.body) req.write(opts.body);
			req.end();
		});
	};
}

/** Builds the portal when there is no build (or when asked), then serves it on `port`. */
export async function servePortal(opts: {
	port: number;
	env: Record<string, string>;
	rebuild?: boolean;
	log?: (m: string) => void;
}): Promise<ChildProcess> {
	if (opts.rebuild || !existsSync(join(ROOT, 'build', 'handler.js'))) {
		opts.log?.('building the portal (vite build)…');
		const b = spawnSync(join(ROOT, 'node_modules', '.bin', 'vite'), ['build'], {
			cwd: ROOT,
			stdio: ['ignore', 'ignore', 'inherit']
		});
		if (b.status !== 0) throw new Error('vite build failed');
	}
	const app = spawn(process.execPath, [join(ROOT, 'scripts', 'serve.ts')], {
		cwd: ROOT,
		env: {
			...process.env,
			...opts.env,
			PORT: String(opts.port),
			HOST: '127.0.0.1',
			BUILD_DIR: 'build'
		},
		stdio: ['ignore', 'ignore', 'inherit']
	});
	const http = portalHttp(opts.port);
	const end = Date.now() + 30_000;
	while (Date.now() < end) {
		try {
			await http('localhost', '/');
			return app;
		} catch {
			await new Promise((r) => setTimeout(r, 200));
		}
	}
	app.kill('SIGTERM');
	throw new Error('portal did not start');
}

/** Signs a person in through the clinic's own sign-in form; the session lands in `cookies`. */
export async function signInThroughPortal(
	http: ReturnType<typeof portalHttp>,
	port: number,
	slug: string,
	email: string,
	password: string,
	cookies: Map<string, string>
) {
	const host = `${slug}.localhost`;
	const res = await http(host, '/sign-in', {
		method: 'POST',
		cookies,
		body: new URLSearchParams({ email, password }).toString(),
		headers: {
			'content-type': 'application/x-www-form-urlencoded',
			accept: 'text/html',
			origin: `http://${host}:${port}`
		}
	});
	if (res.status !== 303 || cookies.size === 0)
		throw new Error(`sign-in of ${email} at ${host}: ${res.status} ${res.body.slice(0, 300)}`);
}

/** The p-th percentile (nearest rank) of samples. */
export function pct(xs: number[], p: number): number {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}
