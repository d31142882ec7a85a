/**
 * Malformed form posts to every portal form action (issue 17, point 2). The actions are
 * enumerated from the source (`src/routes/**\/+page.server.ts`, the keys of `actions`), each
 * posted as the person who can reach it (a clinic admin for the clinic portal, the platform admin
 * for the console, nobody for the public pages), from the right host, with the page's own field
 * names (read from its forms) plus common ones. Every value carries invalid text (a NUL byte, a
 * lone surrogate, a control character, a noncharacter …) among SQL-looking and over-long text;
 * raw bodies add percent-encoded invalid UTF-8, broken multipart and wrong content types. Seeded
 * (SEED), bounded (VARIANTS per action). Asserts: no 5xx, no answer slower than 10 s, no stack
 * trace or SQL in any answer; and a NUL in a patient name is refused next to the field.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { appUrl, launch, platformSignIn, signIn } from '../support/browser.ts';
import { CLINIC_A, DEMO_PASSWORD, demo } from '../support/demo.ts';
import { mulberry32 } from '../support/random.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 1717);
const VARIANTS = 5;
const ROUTES = join(import.meta.dirname, '..', '..', 'src', 'routes');

interface Action {
	/** The page's path with route groups removed and parameters filled. */
	path: string;
	name: string;
	who: 'clinic' | 'platform' | 'public';
}

function files(dir: string): string[] {
	return readdirSync(dir).flatMap((f) => {
		const p = join(dir, f);
		return statSync(p).isDirectory() ? files(p) : [p];
	});
}

/** Every form action in the portal's source. */
function enumerateActions(): Action[] {
	const out: Action[] = [];
	for (const file of files(ROUTES).filter((f) => f.endsWith(`${sep}+page.server.ts`))) {
		const src = readFileSync(file, 'utf8');
		const block = /export const actions[^=]*=\s*\{([\s\S]*)\};?\s*$/.exec(src)?.[1];
		if (!block) continue;
		const names = [...block.matchAll(/^\t([A-Za-z_$][\w$]*)\s*:\s*async/gm)].map((m) => m[1]);
		const route = relative(ROUTES, file)
			.split(sep)
			.slice(0, -1)
			.filter((s) => !/^\(.+\)$/.test(s))
			.map((s) => (/^\[.+\]$/.test(s) ? '00000000-0000-4000-8000-00000000f022' : s));
		const path = `/${route.join('/')}`;
		const who = path.startsWith('/platform')
			? path === '/platform/sign-in'
				? 'public'
				: 'platform'
			: relative(ROUTES, file).startsWith('(app)')
				? 'clinic'
				: 'public';
		for (const name of names) out.push({ path, name, who });
	}
	return out;
}

const INVALID = [
	'\u0000',
	'\uD800',
	'\uDFFF',
	'\u0007',
	'\u001B',
	'\u007F',
	'\u0085',
	'\uFFFE',
	'\uFFFD'
];
const NOISE = [
	"' or 1=1 --",
	'%',
	'_',
	"'",
	'"; drop table patients; --',
	'<script>alert(1)</script>',
	'1900-13-45',
	'-3',
	'12.5',
	'ＡＢＣ',
	'x'.repeat(600)
];
const COMMON = [
	'name',
	'email',
	'password',
	'given_name',
	'family_name',
	'date_of_birth',
	'q',
	'id',
	'reason'
];

function value(r: () => number): string {
	const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
	const parts = [pick(NOISE), pick(INVALID), pick(NOISE)];
	if (r() < 0.3) parts.push('y'.repeat(Math.floor(r() * 5000)));
	return parts.join('');
}

interface Answer {
	status: number;
	ms: number;
	text: string;
}

/** One POST from the page's own origin (cookies, Origin header), as a browser sends it. */
async function post(
	page: Page,
	url: string,
	body:
		| { kind: 'form'; fields: [string, string][] }
		| { kind: 'multipart'; fields: [string, string][] }
		| { kind: 'raw'; type: string; text: string }
): Promise<Answer> {
	return page.evaluate(
		async ({ url, body }) => {
			const started = performance.now();
			const ctrl = new AbortController();
			const timer = setTimeout(() => ctrl.abort(), 12_000);
			let init: RequestInit;
			if (body.kind === 'form') {
				// URLSearchParams would turn lone surrogates into U+FFFD: encode by hand instead
				const encoded = body.fields
					.map(
						([k, v]) =>
							`${encodeURIComponent(k)}=${v
								.split('')
								.map((c) => (/[\uD800-\uDFFF]/.test(c) ? '%ED%A0%80' : encodeURIComponent(c)))
								.join('')}`
					)
					.join('&');
				init = {
					body: encoded,
					headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }
				};
			} else if (body.kind === 'multipart') {
				const fd = new FormData();
				for (const [k, v] of body.fields) fd.append(k, v);
				init = { body: fd, headers: { accept: 'application/json', 'x-sveltekit-action': 'true' } };
			} else {
				init = { body: body.text, headers: { 'content-type': body.type, accept: 'text/html' } };
			}
			try {
				const res = await fetch(url, {
					...init,
					method: 'POST',
					signal: ctrl.signal
				});
				const text = await res.text();
				return { status: res.status, ms: performance.now() - started, text };
			} catch (e) {
				return { status: -1, ms: performance.now() - started, text: String(e) };
			} finally {
				clearTimeout(timer);
			}
		},
		{ url, body }
	);
}

const LEAKS = [
	/\n\s+at [^\n]+:\d+:\d+/,
	/node_modules\//,
	/violates (check|foreign key|unique|not-null) constraint/i,
	/syntax error at or near/i,
	/invalid byte sequence for encoding/i,
	/relation "[^"]+" does not exist/i,
	/SQLSTATE/,
	/\bPGRST\d{3}\b/,
	/\bERROR:\s/
];

let browser: BrowserContext;
const pages: Partial<Record<Action['who'], Page>> = {};
const actions = enumerateActions();

beforeAll(async () => {
	browser = await launch();
	pages.clinic = await signIn(browser, CLINIC_A.slug, demo.adminA, DEMO_PASSWORD);
	const platform = await platformSignIn(browser, demo.platform, DEMO_PASSWORD);
	expect(new URL(platform.url()).pathname).toBe('/platform/clinics');
	pages.platform = platform;
	// the public pages in a context of their own, signed out
	const anon = await (await launch()).newPage();
	pages.public = anon;
}, 120_000);

afterAll(async () => {
	await pages.public?.context().close();
	await browser?.close();
});

describe('portal form actions under malformed input', () => {
	it('finds the portal’s form actions', () => {
		// sign-in, patients/new, admin fields … (a regression in the enumeration would test nothing)
		expect(actions.length).toBeGreaterThanOrEqual(30);
		expect(actions).toContainEqual({ path: '/patients/new', name: 'create', who: 'clinic' });
		expect(actions).toContainEqual({
			path: '/platform/plans',
			name: expect.any(String),
			who: 'platform'
		});
	});

	it('a NUL byte in a patient name is refused next to the field, not a 500', async () => {
		const page = pages.clinic!;
		await page.goto(appUrl(CLINIC_A.slug, '/patients/new'));
		const answer = await post(page, '/patients/new?/create', {
			kind: 'form',
			fields: [
				['given_name', 'Ada\u0000'],
				['family_name', 'Fuzz'],
				['sex', 'unknown']
			]
		});
		expect(answer.status).toBe(400);
		expect(answer.text).toContain('Remove the invisible or unreadable characters');
		expect(answer.text).toMatch(/id="field-given_name-error"/);
	});

	// Sign-out style actions last: they end the session the others use.
	const ordered = [...actions].sort(
		(a, b) =>
			Number(/sign-out|support-end|switch/.test(a.path)) -
			Number(/sign-out|support-end|switch/.test(b.path))
	);
	for (const action of ordered) {
		it(`${action.who} ${action.path} ?/${action.name}`, async () => {
			const page = pages[action.who]!;
			const host =
				action.who === 'platform' || action.path === '/platform/sign-in' ? null : CLINIC_A.slug;
			const res = await page.goto(appUrl(host, action.path));
			expect(res?.status() ?? 0, 'the page itself').toBeLessThan(500);
			const names = await page
				.$$eval('form[method="POST" i] [name], form[method="post" i] [name]', (els) =>
					els.map((e) => e.getAttribute('name') ?? '')
				)
				.catch(() => [] as string[]);
			const fieldNames = [...new Set([...names.filter(Boolean), ...COMMON])];
			const url = action.name === 'default' ? action.path : `${action.path}?/${action.name}`;
			const r = mulberry32(
				SEED ^ [...`${action.path}${action.name}`].reduce((h, c) => h * 31 + c.charCodeAt(0), 7)
			);
			const answers: Answer[] = [];
			for (let i = 0; i < VARIANTS; i++) {
				const fields = fieldNames.map((n) => [n, value(r)] as [string, string]);
				answers.push(await post(page, url, { kind: i % 2 ? 'multipart' : 'form', fields }));
			}
			answers.push(
				await post(page, url, {
					kind: 'raw',
					type: 'application/x-www-form-urlencoded',
					text: fieldNames.map((n) => `${n}=%00%ED%A0%80%FF%C3%28`).join('&')
				}),
				await post(page, url, {
					kind: 'raw',
					type: 'multipart/form-data; boundary=xyz',
					text: '--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\n\u0000'
				}),
				await post(page, url, { kind: 'raw', type: 'application/json', text: '{"a":"\\u0000"' }),
				await post(page, url, { kind: 'raw', type: 'application/x-www-form-urlencoded', text: '' })
			);
			for (const a of answers) {
				expect(a.status, a.text.slice(0, 400)).toBeGreaterThan(0);
				expect(a.status, a.text.slice(0, 400)).toBeLessThan(500);
				expect(a.ms).toBeLessThan(10_000);
				for (const leak of LEAKS) expect(a.text).not.toMatch(leak);
			}
		}, 120_000);
	}
});
