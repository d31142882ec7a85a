/**
 * Security headers on the portal's responses: a Content-Security-Policy from SvelteKit (nonce on
 * its own script, nothing may frame a page), nosniff, a same-origin referrer, HSTS only over https,
 * and `Cache-Control: no-store` on pages of a signed-in person. The sign-in page really cannot be
 * framed: Chromium refuses to show it inside another site's iframe.
 */
import { request as httpRequest } from 'node:http';
import { describe, expect } from 'vitest';
import { APP_PORT } from '../support/app-server.ts';
import { appUrl, sharedBrowserTest as it, signIn } from '../support/browser.ts';
import { CLINIC_A, DEMO_PASSWORD, demo } from '../support/demo.ts';
import { API_URL } from '../support/stack.ts';

/** A GET straight to the app (Node cannot resolve `*.localhost`: the Host header names the clinic). */
function get(
	host: string,
	path: string,
	headers: Record<string, string> = {}
): Promise<{
	status: number;
	headers: Record<string, string | string[] | undefined>;
	body: string;
}> {
	return new Promise((resolve, reject) => {
		const req = httpRequest(
			{
				host: '127.0.0.1',
				port: APP_PORT,
				path,
				headers: { host: `${host}:${APP_PORT}`, accept: 'text/html', ...headers }
			},
			(res) => {
				let body = '';
				res.setEncoding('utf8');
				res.on('data', (chunk) => (body += chunk));
				res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
			}
		);
		req.on('error', reject);
		req.end();
	});
}

/** The policy as directive → sources. */
function directives(csp: string): Map<string, string[]> {
	return new Map(
		csp
			.split(';')
			.map((d) => d.trim().split(/\s+/))
			.filter((d) => d[0])
			.map(([name, ...sources]) => [name, sources])
	);
}

function expectPagePolicy(csp: string | undefined) {
	expect(csp, 'content-security-policy').toBeTruthy();
	const policy = directives(csp!);
	expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
	const scripts = policy.get('script-src') ?? [];
	expect(scripts).toContain("'self'");
	// SvelteKit's own inline script runs by its nonce; nothing else inline may run
	expect(scripts.some((s) => s.startsWith("'nonce-"))).toBe(true);
	expect(scripts).not.toContain("'unsafe-inline'");
	expect(policy.get('object-src')).toEqual(["'none'"]);
	// logos come from Storage, uploads go to it: the Supabase origin only
	const supabase = new URL(API_URL).origin;
	expect(policy.get('img-src')).toContain(supabase);
	expect(policy.get('connect-src')).toContain(supabase);
}

describe('security headers', () => {
	it('sends the policy, nosniff and a strict referrer on a public page, and no HSTS over http', async () => {
		const res = await get(`${CLINIC_A.slug}.localhost`, '/sign-in');
		expect(res.status).toBe(200);
		expectPagePolicy(res.headers['content-security-policy'] as string);
		expect(res.headers['x-content-type-options']).toBe('nosniff');
		expect(res.headers['referrer-policy']).toBe('same-origin');
		expect(res.headers['x-frame-options']).toBe('DENY');
		expect(res.headers['strict-transport-security']).toBeUndefined();
		// nobody is signed in: the public page may be cached
		expect(res.headers['cache-control'] ?? '').not.toContain('no-store');
		// the inline script SvelteKit renders carries the header's nonce
		const nonce = /'nonce-([^']+)'/.exec(res.headers['content-security-policy'] as string)![1];
		expect(res.body).toContain(`nonce="${nonce}"`);

		const platform = await get('localhost', '/');
		expect(platform.headers['x-content-type-options']).toBe('nosniff');
		expectPagePolicy(platform.headers['content-security-policy'] as string);
	});

	it('adds HSTS when the portal is served over https (x-forwarded-proto)', async () => {
		const res = await get(`${CLINIC_A.slug}.localhost`, '/sign-in', {
			'x-forwarded-proto': 'https'
		});
		expect(res.status).toBe(200);
		expect(res.headers['strict-transport-security']).toBe('max-age=63072000; includeSubDomains');
	});

	it('sends no-store and the same policy on the pages of a signed-in person', async ({
		browser
	}) => {
		const page = await signIn(browser, CLINIC_A.slug, demo.doctorA, DEMO_PASSWORD);
		for (const path of ['/dashboard', '/patients']) {
			const res = await page.goto(appUrl(CLINIC_A.slug, path));
			expect(res?.status(), path).toBe(200);
			const headers = await res!.allHeaders();
			expect(headers['cache-control'], path).toBe('no-store');
			expect(headers['x-content-type-options'], path).toBe('nosniff');
			expect(headers['referrer-policy'], path).toBe('same-origin');
			expectPagePolicy(headers['content-security-policy']);
		}
		// the page works under its policy: the dashboard rendered and hydrated (a client navigation)
		await page.getByRole('link', { name: 'Patients', exact: true }).click();
		await page.waitForURL((u) => u.pathname === '/patients');
		expect(await page.getByRole('heading', { name: 'Patients' }).count()).toBe(1);
		await page.close();
	});

	it('cannot be framed: Chromium refuses to show the sign-in page in another site’s iframe', async ({
		browser
	}) => {
		const page = await browser.newPage();
		const refusals: string[] = [];
		page.on('console', (m) => refusals.push(m.text()));
		const target = appUrl(CLINIC_A.slug, '/sign-in');
		await page.setContent(`<iframe id="framed" src="${target}" width="600" height="400"></iframe>`);
		await page.locator('#framed').waitFor();
		await expect
			.poll(() => refusals.some((t) => t.includes("frame-ancestors 'none'")), { timeout: 10_000 })
			.toBe(true);
		const frame = page.frames().find((f) => f !== page.mainFrame());
		const fields = frame ? await frame.locator('input[name="password"]').count() : 0;
		expect(fields).toBe(0);
		await page.close();
	});
});
