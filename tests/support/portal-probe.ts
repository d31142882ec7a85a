/**
 * Counting what a page load costs (issue 18): a portal served from the production build with its
 * PUBLIC_SUPABASE_URL pointed at a small counting proxy in front of the local gateway, so every
 * request the portal's server makes to the Data API (`/rest/v1`), Auth or Storage during one page
 * load is seen; and the clinic pages themselves, enumerated from `src/routes/(app)` so a new page
 * is counted the day it lands. Used by tests/e2e/page-round-trips.test.ts and bench/portal.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative, sep } from 'node:path';
import { ROOT } from '../../supabase/local/config.ts';
import { adminDb, anonClient } from './stack.ts';
import { raiseToAal2, totpCode } from './totp.ts';

/** The portal's environment (.env.local, written by the local runtime). */
export function portalEnv(): Record<string, string> {
	const env: Record<string, string> = {};
	for (const line of readFileSync(join(ROOT, '.env.local'), 'utf8').split('\n')) {
		const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
		if (m) env[m[1]] = m[2];
	}
	return env;
}

// ---- the counting proxy ------------------------------------------------------------------------

/** `rest rpc/request_context`, `rest patients`, `auth token`, … */
export function countKey(path: string): string {
	const m = /^\/(rest|auth|storage)\/v1\/(rpc\/[^?/]+|[^?/]+)/.exec(path);
	return m ? `${m[1]} ${m[2]}` : `other ${path.split('?')[0]}`;
}

export interface CountingProxy {
	url: string;
	counts: Map<string, number>;
	/** Data API requests (`/rest/v1`) counted since the last clear. */
	dataApi(): number;
	close(): Promise<void>;
}

/** A loopback HTTP proxy to `target` that counts every request by service and resource. */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
	const up = new URL(target);
	const counts = new Map<string, number>();
	const server: Server = createServer((req, res) => {
		const key = countKey(req.url ?? '');
		counts.set(key, (counts.get(key) ?? 0) + 1);
		const forward = request(
			{
				host: up.hostname,
				port: up.port,
				method: req.method,
				path: req.url,
				headers: { ...req.headers, host: up.host }
			},
			(upRes) => {
				res.writeHead(upRes.statusCode ?? 502, upRes.headers);
				upRes.pipe(res);
			}
		);
		forward.on('error', () => {
			res.writeHead(502);
			res.end();
		});
		req.pipe(forward);
	});
	// as the gateway (server.ts): idle keep-alive sockets outlive the portal's fetch pool (4 s), so the
	// portal never reuses a socket the proxy is closing ("fetch failed" under load)
	server.keepAliveTimeout = 65_000;
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		counts,
		dataApi: () =>
			[...counts].filter(([k]) => k.startsWith('rest ')).reduce((n, [, v]) => n + v, 0),
		close: () =>
			new Promise((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
}

// ---- a portal process -----------------------------------------------------------------------------

export async function freePort(): Promise<number> {
	const s = createServer();
	await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
	const port = (s.address() as AddressInfo).port;
	await new Promise((resolve) => s.close(resolve));
	return port;
}

/** Serves `build/` (scripts/serve.ts) on `port` with the given Supabase URL; resolves when up. */
export async function startPortal(opts: {
	port: number;
	supabaseUrl: string;
	env?: Record<string, string>;
}): Promise<ChildProcess> {
	if (!existsSync(join(ROOT, 'build', 'handler.js')))
		throw new Error('build/ is missing: run `npm run build` (the e2e setup builds it)');
	const child = spawn(process.execPath, [join(ROOT, 'scripts', 'serve.ts')], {
		cwd: ROOT,
		env: {
			...process.env,
			...portalEnv(),
			...(opts.env ?? {}),
			PUBLIC_SUPABASE_URL: opts.supabaseUrl,
			PORT: String(opts.port),
			HOST: '127.0.0.1',
			BUILD_DIR: 'build'
		},
		stdio: ['ignore', 'ignore', 'inherit']
	});
	const end = Date.now() + 30_000;
	while (Date.now() < end) {
		try {
			await load(opts.port, 'localhost', '/');
			return child;
		} catch {
			await new Promise((r) => setTimeout(r, 200));
		}
	}
	child.kill('SIGTERM');
	throw new Error(`the portal did not start on port ${opts.port}`);
}

// ---- page loads with a Host header and a hand-made cookie jar ---------------------------------------

export interface Loaded {
	status: number;
	headers: IncomingMessage['headers'];
	body: string;
	ms: number;
}

/** One request to the portal on 127.0.0.1 as `host` (Node does not resolve *.localhost). */
export function load(
	port: number,
	host: string,
	path: string,
	opts: {
		method?: string;
		cookies?: Map<string, string>;
		body?: string;
		headers?: Record<string, string>;
	} = {}
): Promise<Loaded> {
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
}

/**
 * Signs in through the portal's own form at `<slug>.localhost` (or the platform console's at
 * `localhost` with `slug: null`), answering the two-factor step as an authenticator app would when
 * the portal asks for it (admins and platform admins must): the person's verified TOTP factor, set
 * up first through Auth when they have none yet. The session lands in `cookies`.
 */
export async function signInAt(opts: {
	port: number;
	slug: string | null;
	email: string;
	password: string;
	cookies: Map<string, string>;
	/** The runtime the portal talks to, when not the project's (a benchmark's gateway and database). */
	backend?: { apiUrl: string; database: string };
}): Promise<void> {
	const host = opts.slug ? `${opts.slug}.localhost` : 'localhost';
	const form = (body: Record<string, string>) => ({
		method: 'POST',
		cookies: opts.cookies,
		body: new URLSearchParams(body).toString(),
		headers: {
			'content-type': 'application/x-www-form-urlencoded',
			origin: `http://${host}:${opts.port}`
		}
	});
	const signIn = async () => {
		const res = await load(
			opts.port,
			host,
			opts.slug ? '/sign-in' : '/platform/sign-in',
			form({ email: opts.email, password: opts.password })
		);
		if (res.status !== 303 || opts.cookies.size === 0)
			throw new Error(
				`sign-in of ${opts.email} at ${host}: ${res.status} ${res.body.slice(0, 300)}`
			);
		// the portal asks for the second factor on the next page (admins must); its step says whether
		const step = await load(opts.port, host, '/sign-in/two-factor', { cookies: opts.cookies });
		const moved = new URL(String(step.headers.location ?? '/'), `http://${host}`).pathname;
		if (step.status !== 303 && step.status !== 200)
			throw new Error(`two-factor step of ${opts.email} at ${host}: ${step.status}`);
		return step.status === 200 ? 'code' : moved === '/account/two-factor/new' ? 'enrol' : 'done';
	};
	let next = await signIn();
	if (next === 'done') return;
	if (next === 'enrol') {
		// Verifying a first factor ends the person's other aal1 sessions (as GoTrue does): set it up
		// through Auth, then sign in to the portal again.
		await ensureVerifiedFactor(opts.email, opts.password, opts.backend);
		next = await signIn();
		if (next !== 'code') throw new Error(`two-factor step of ${opts.email} at ${host}: ${next}`);
	}
	const factor = await ensureVerifiedFactor(opts.email, opts.password, opts.backend);
	const answer = await load(
		opts.port,
		host,
		'/sign-in/two-factor',
		form({ factorId: factor.id, code: totpCode(factor.secret) })
	);
	const after = new URL(String(answer.headers.location ?? '/'), `http://${host}`).pathname;
	if (answer.status !== 303 || after.startsWith('/sign-in') || after.startsWith('/account'))
		throw new Error(
			`two-factor step of ${opts.email} at ${host}: ${answer.status} ${after} ${answer.body.slice(0, 300)}`
		);
}

/** The person's verified TOTP factor (id and secret), enrolled through Auth first when none. */
async function ensureVerifiedFactor(
	email: string,
	password: string,
	backend?: { apiUrl: string; database: string }
): Promise<{ id: string; secret: string }> {
	const sql = `select f.id, f.secret from auth.mfa_factors f join auth.users u on u.id = f.user_id
	              where u.email = $1 and f.status = 'verified' and f.factor_type = 'totp'
	              order by f.created_at desc limit 1`;
	const db = adminDb(backend?.database);
	await db.connect();
	try {
		const found = (await db.query<{ id: string; secret: string }>(sql, [email])).rows[0];
		if (found) return found;
		const client = anonClient(backend?.apiUrl);
		const { error } = await client.auth.signInWithPassword({ email, password });
		if (error) throw new Error(`sign-in of ${email} to set up a factor: ${error.message}`);
		await raiseToAal2(client, email, (q, p) => db.query(q, p));
		await client.auth.signOut({ scope: 'local' });
		const made = (await db.query<{ id: string; secret: string }>(sql, [email])).rows[0];
		if (!made) throw new Error(`no verified factor for ${email} after enrolling one`);
		return made;
	} finally {
		await db.end();
	}
}

// ---- the clinic pages -----------------------------------------------------------------------------------

export interface ClinicPage {
	/** SvelteKit route id, e.g. `/(app)/patients/[id=uuid]`. */
	routeId: string;
	/** The route's dynamic segments, each with the route id up to it (the key of its sample). */
	params: { name: string; key: string }[];
}

/**
 * Every page of the clinic portal: each folder under `src/routes/(app)` with a `+page.svelte`
 * (folders with only a `+page.server.ts` redirect or answer 404 and render nothing).
 */
export function clinicPages(): ClinicPage[] {
	const base = join(ROOT, 'src', 'routes');
	const found: ClinicPage[] = [];
	const walk = (dir: string) => {
		const entries = readdirSync(dir, { withFileTypes: true });
		if (entries.some((e) => e.isFile() && e.name === '+page.svelte')) {
			const segments = relative(base, dir).split(sep);
			const routeId = '/' + segments.join('/');
			const params = segments.flatMap((s, i) =>
				s.startsWith('[')
					? [{ name: s.slice(1, -1).split('=')[0], key: '/' + segments.slice(0, i + 1).join('/') }]
					: []
			);
			found.push({ routeId, params });
		}
		for (const e of entries) if (e.isDirectory()) walk(join(dir, e.name));
	};
	walk(join(base, '(app)'));
	return found.sort((a, b) => a.routeId.localeCompare(b.routeId));
}

/** The URL path of a route id with its parameters filled in (groups removed). */
export function pathOf(routeId: string, values: Record<string, string>): string {
	const path = routeId
		.split('/')
		.filter((s) => !/^\(.*\)$/.test(s))
		.map((s) => (s.startsWith('[') ? encodeURIComponent(values[s.slice(1, -1).split('=')[0]]) : s))
		.join('/');
	return path || '/';
}

/**
 * How to fill each dynamic segment of a clinic page: SQL (as the tables' owner) returning one
 * value for the clinic `$1` (its id), keyed by the route id up to the segment. A page with a
 * segment not listed here is reported, so a new page cannot go uncounted.
 */
export const SAMPLES: Record<string, string> = {
	'/(app)/patients/[id=uuid]': `select id::text from public.patients where organization_id = $1 and archived_at is null order by search_name, id limit 1`,
	'/(app)/admin/fields/[id=uuid]': `select id::text from public.patient_field_definitions where organization_id = $1 order by sort_order, key limit 1`,
	'/(app)/admin/staff/[membershipId=uuid]': `select m.id::text from public.memberships m where m.organization_id = $1 and m.role <> 'admin' and m.status = 'active' order by m.created_at, m.id limit 1`,
	'/(app)/diary/[id=uuid]': `select id::text from public.appointments where organization_id = $1 order by starts_at, id limit 1`
};
