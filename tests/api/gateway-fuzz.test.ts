/**
 * A bounded, seeded fuzz of the gateway (issue 17, point 2): malformed requests to Auth, the Data
 * API and Storage (broken select/filter grammar, NUL bytes, invalid UTF-8 and JSON, odd methods,
 * headers and paths, over-size bodies on keep-alive connections). Every answer must come within
 * 10 s, never be a 5xx (PostgreSQL is up), and never carry a stack trace or SQL text.
 * Requests go to the local gateway only (loopback), a fixed number of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type pg from 'pg';
import { adminDb, API_URL, keys } from '../support/stack.ts';
import { mulberry32 } from '../support/random.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const ROUNDS = Number(process.env.FUZZ_ROUNDS ?? 120);
const url = new URL(API_URL);
const p = `fz_${Date.now().toString(36)}`;
const table = `${p}_things`;

const rand = mulberry32(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const int = (n: number) => Math.floor(rand() * n);

const NASTY = [
	'',
	'\u0000',
	'%00',
	'%',
	'%zz',
	"'",
	'"',
	'\\',
	'(',
	')',
	'((',
	'))',
	',',
	'.',
	'..',
	'...',
	':',
	'::',
	'!',
	'*',
	'->',
	'->>',
	'{',
	'}',
	'[',
	']',
	'é',
	'\u{1F600}',
	'\uFFFF',
	'a'.repeat(300),
	'count()',
	'id.sum()',
	'select',
	'drop table x',
	';--',
	'null',
	'true',
	'-1',
	'1e999',
	'9'.repeat(40)
];
const NAMES = ['id', 'label', 'qty', 'data', table, 'organizations', 'patients', 'nope', 'rpc'];
const OPS = [
	'eq',
	'neq',
	'gt',
	'like',
	'ilike',
	'in',
	'is',
	'cs',
	'fts',
	'not.eq',
	'bogus',
	'eq(any)',
	'match'
];

function token(): string {
	return rand() < 0.5 ? pick(NAMES) : pick(NASTY);
}
function garble(n = 1 + int(6)): string {
	let s = '';
	for (let i = 0; i < n; i++) s += token();
	return s;
}
function enc(s: string): string {
	// Mostly percent-encoded, sometimes raw (broken encodings reach the server as they are).
	return rand() < 0.8
		? encodeURIComponent(s)
		: s.replace(/[^\x21\x22\x24-\x3e\x40-\x7e]/gu, (c) => encodeURIComponent(c));
}
function randomBody(): Buffer {
	const kinds = [
		() =>
			Buffer.from(
				JSON.stringify({
					[garble()]: garble(),
					label: garble(),
					qty: pick(['1', 1, -1, 1e308, null, [], {}])
				})
			),
		() => Buffer.from(JSON.stringify([{ label: garble() }, { qty: garble() }])),
		() => Buffer.from('{"label": "a\\u0000b"}'),
		() => Buffer.from('{'.repeat(2000)),
		() => Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x7b]),
		() => Buffer.from(garble(20)),
		() => Buffer.from('[]'),
		() => Buffer.from('{}'),
		() => Buffer.from(`{"email":"${garble()}","password":"${garble()}"}`),
		() => Buffer.alloc(0)
	];
	return pick(kinds)();
}

interface Answer {
	status: number;
	body: string;
	ms: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
/** The request before, named when a kept-alive connection fails (that request broke it). */
let previous = '';

function send(
	method: string,
	path: string,
	headers: Record<string, string>,
	body?: Buffer,
	useAgent: http.Agent | false = agent
): Promise<Answer> {
	const started = Date.now();
	// Node's client frames a DELETE body only with an explicit length.
	if (body) headers = { ...headers, 'content-length': String(body.length) };
	return new Promise((resolve, reject) => {
		const req = http.request(
			{ host: url.hostname, port: url.port, method, path, headers, agent: useAgent },
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (c) => chunks.push(c));
				res.on('end', () =>
					resolve({
						status: res.statusCode ?? 0,
						body: Buffer.concat(chunks).toString('utf8'),
						ms: Date.now() - started
					})
				);
			}
		);
		req.setTimeout(10_000, () =>
			req.destroy(new Error(`no answer within 10 s: ${method} ${path}`))
		);
		const label = `${method} ${path} ${JSON.stringify(headers)} (${body?.length ?? 0} bytes)`;
		const before = previous;
		previous = label;
		req.on('error', (e) =>
			reject(new Error(`${label}: ${e.message}; previous request: ${before}`))
		);
		if (body) req.end(body);
		else req.end();
	});
}

const STACK = /\n\s+at .+:\d+:\d+|at (async )?[\w.<>]+ \(file:|node:internal/;
const SQL =
	/pgrst_[a-z]+_\d|syntax error at or near|\bselect\b[^"]{0,80}\bfrom\s+("|pg_catalog|\(|pgrst)|insert into "|jsonb_populate_record|set_config\(/i;

function check(label: string, a: Answer) {
	expect(a.status, `${label} → ${a.status} ${a.body.slice(0, 300)}`).toBeLessThan(500);
	expect(a.ms, label).toBeLessThan(10_000);
	expect(a.body, `${label}: stack trace`).not.toMatch(STACK);
	expect(a.body, `${label}: SQL text`).not.toMatch(SQL);
}

const auth = () => ({
	apikey: pick([
		keys.publishableKey,
		keys.secretKey,
		keys.anonJwt,
		'sb_publishable_x',
		garble()
	]).replace(/[^\x20-\x7e]/g, ''),
	authorization:
		`Bearer ${pick([keys.serviceRoleJwt, keys.anonJwt, 'a.b.c', garble(), 'eyJhbGciOiJub25lIn0.e30.'])}`.replace(
			/[^\x20-\x7e]/g,
			''
		)
});

let db: pg.Client;

beforeAll(async () => {
	db = adminDb();
	await db.connect();
	await db.query(`
		create table public.${table} (id serial primary key, label text, qty int, data jsonb);
		grant all on public.${table} to anon, authenticated, service_role;
		grant usage on all sequences in schema public to anon, authenticated, service_role;
		insert into public.${table} (label, qty) values ('a', 1), ('b', 2);
	`);
});

afterAll(async () => {
	agent.destroy();
	await db.query(`drop table if exists public.${table}`);
	await db.end();
});

describe('gateway fuzz (bounded, seeded)', () => {
	it(`Data API: ${ROUNDS} malformed reads and writes answer 4xx/2xx, quickly, without internals`, async () => {
		for (let i = 0; i < ROUNDS; i++) {
			const target = rand() < 0.8 ? table : rand() < 0.5 ? `rpc/${garble()}` : garble();
			const q: string[] = [];
			if (rand() < 0.8)
				q.push(
					`select=${enc(Array.from({ length: 1 + int(4) }, () => garble(1 + int(3))).join(','))}`
				);
			if (rand() < 0.6) q.push(`${enc(pick(NAMES))}=${enc(`${pick(OPS)}.${garble()}`)}`);
			if (rand() < 0.3)
				q.push(`or=${enc(`(${garble()}.${pick(OPS)}.${garble()},and(${garble()}))`)}`);
			if (rand() < 0.3) q.push(`order=${enc(garble())}`);
			if (rand() < 0.3)
				q.push(`limit=${enc(pick(['-1', 'x', '1', '99999999999999999999', garble()]))}`);
			if (rand() < 0.2) q.push(`on_conflict=${enc(garble())}&columns=${enc(garble())}`);
			const method = pick(['GET', 'GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'PUT', 'FOO']);
			const headers: Record<string, string> = { ...auth() };
			if (rand() < 0.5)
				headers.prefer = pick([
					'return=representation',
					'count=exact',
					'count=planned',
					'handling=strict, max-affected=0',
					'resolution=merge-duplicates',
					'tx=rollback',
					garble()
				]).replace(/[^\x20-\x7e]/g, '');
			if (rand() < 0.4)
				headers.accept = pick([
					'text/csv',
					'application/vnd.pgrst.object+json',
					'application/vnd.pgrst.plan',
					'application/geo+json',
					'x/y',
					'*/*;q=x'
				]);
			if (rand() < 0.3) headers.range = pick(['0-', '5-1', 'items=0-1', 'bytes=a', '-']);
			if (rand() < 0.3)
				headers['content-type'] = pick([
					'application/json',
					'text/plain',
					'text/csv',
					'application/x-www-form-urlencoded',
					'application/octet-stream',
					'nonsense'
				]);
			if (rand() < 0.3)
				headers['accept-profile'] = pick(['public', 'auth', 'graphql_public', garble()]).replace(
					/[^\x20-\x7e]/g,
					''
				);
			const body = ['POST', 'PATCH', 'PUT', 'DELETE'].includes(method) ? randomBody() : undefined;
			const path = `/rest/v1/${enc(target).replace(/%2F/gi, '/')}?${q.join('&')}`;
			check(
				`${method} ${path} ${JSON.stringify(headers)}`,
				await send(method, path, headers, body)
			);
		}
	});

	it(`Auth: ${ROUNDS} malformed requests answer GoTrue errors, never 5xx`, async () => {
		const paths = [
			'/token?grant_type=password',
			'/token?grant_type=refresh_token',
			'/token?grant_type=pkce',
			'/token?grant_type=' + garble(),
			'/signup',
			'/user',
			'/logout?scope=' + garble(),
			'/recover',
			'/otp',
			'/verify',
			'/verify?token=' + garble() + '&type=' + garble(),
			'/admin/users/' + garble(),
			'/admin/users?page=' + garble(),
			'/admin/generate_link',
			'/invite',
			'/resend',
			'/factors',
			'/' + garble()
		];
		for (let i = 0; i < ROUNDS; i++) {
			const method = pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']);
			const path = `/auth/v1${pick(paths)}`.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c));
			const headers: Record<string, string> = {
				...auth(),
				'x-supabase-api-version': '2024-01-01',
				'content-type': pick([
					'application/json',
					'text/plain',
					garble().replace(/[^\x20-\x7e]/g, '')
				])
			};
			check(
				`${method} ${path}`,
				await send(method, path, headers, method === 'GET' ? undefined : randomBody())
			);
		}
	});

	it(`Storage: ${ROUNDS} malformed requests answer Storage errors, never 5xx`, async () => {
		const paths = [
			'/bucket',
			'/bucket/' + garble(),
			'/object/' + garble(),
			'/object/branding/' + garble(),
			'/object/list/' + garble(),
			'/object/sign/branding/' + garble(),
			'/object/public/' + garble(),
			'/object/info/' + garble(),
			'/object/move',
			'/object/copy',
			'/object/upload/sign/branding/' + garble(),
			'/' + garble()
		];
		for (let i = 0; i < ROUNDS; i++) {
			const method = pick(['GET', 'HEAD', 'POST', 'PUT', 'DELETE']);
			const path =
				`/storage/v1${pick(paths)}`.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c)) +
				(rand() < 0.3 ? `?token=${enc(garble())}` : '');
			const headers: Record<string, string> = {
				...auth(),
				'content-type': pick([
					'application/json',
					'image/png',
					'multipart/form-data; boundary=x',
					'multipart/form-data',
					garble().replace(/[^\x20-\x7e]/g, '')
				])
			};
			if (rand() < 0.3) headers.range = pick(['bytes=0-1', 'bytes=9-1', 'bytes=x', 'items=1']);
			if (rand() < 0.2)
				headers['x-metadata'] = pick(['!!', 'e30=', garble().replace(/[^\x20-\x7e]/g, '')]);
			check(
				`${method} ${path}`,
				await send(
					method,
					path,
					headers,
					['POST', 'PUT', 'DELETE'].includes(method) ? randomBody() : undefined
				)
			);
		}
	});

	it('answers an over-size body and then the next request on the same keep-alive connection', async () => {
		const big = Buffer.alloc(11 * 1024 * 1024, 0x61);
		const cases: [string, string][] = [
			['POST', `/rest/v1/${table}`],
			['POST', '/auth/v1/token?grant_type=password'],
			['POST', '/storage/v1/bucket']
		];
		for (const [method, path] of cases) {
			const one = new http.Agent({ keepAlive: true, maxSockets: 1 });
			try {
				const first = await send(
					method,
					path,
					{
						...auth(),
						apikey: keys.secretKey,
						authorization: `Bearer ${keys.serviceRoleJwt}`,
						'content-type': 'application/json'
					},
					big,
					one
				);
				expect(first.status, `${path} over-size`).toBeGreaterThanOrEqual(400);
				check(`${method} ${path} over-size`, first);
				const next = await send(
					'GET',
					`/rest/v1/${table}?select=id&limit=1`,
					{ apikey: keys.secretKey, authorization: `Bearer ${keys.serviceRoleJwt}` },
					undefined,
					one
				);
				expect(next.status, `next request after ${path}`).toBe(200);
			} finally {
				one.destroy();
			}
		}
	});
});
