/**
 * Which hosts serve a clinic (docs/security.md, "Before sign-in"): `<slug>.<configured root domain>`
 * and custom domains recorded for a clinic. A clinic's slug under any other domain pointed at the
 * portal, or an unrecorded domain, gets the neutral page and nothing of the clinic.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_PORT } from '../support/app-server.ts';
import { CLINIC_A } from '../support/demo.ts';
import { sql } from '../support/stack.ts';

const CUSTOM = `portal-${Date.now().toString(36)}.riverside-hosts.test`;

function page(host: string, path = '/sign-in'): Promise<{ status: number; body: string }> {
	return new Promise((resolve, reject) => {
		const req = request(
			{ host: '127.0.0.1', port: APP_PORT, path, headers: { host, accept: 'text/html' } },
			(res) => {
				let body = '';
				res.setEncoding('utf8');
				res.on('data', (c) => (body += c));
				res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
			}
		);
		req.on('error', reject);
		req.end();
	});
}

describe('clinic addresses', () => {
	beforeAll(() =>
		sql(
			`insert into public.organization_domains (organization_id, domain)
			 select id, $2 from public.organizations where slug = $1`,
			[CLINIC_A.slug, CUSTOM]
		)
	);
	afterAll(() => sql('delete from public.organization_domains where domain = $1', [CUSTOM]));

	it('serves a clinic at <slug>.<root domain> and at a domain recorded for it', async () => {
		const bySlug = await page(`${CLINIC_A.slug}.localhost:${APP_PORT}`);
		expect(bySlug.status).toBe(200);
		expect(bySlug.body).toContain(CLINIC_A.name);
		const byDomain = await page(`${CUSTOM}:${APP_PORT}`);
		expect(byDomain.status).toBe(200);
		expect(byDomain.body).toContain(CLINIC_A.name);
	});

	it('shows the neutral page for the slug under any other domain, and for unrecorded domains', async () => {
		for (const host of [
			`${CLINIC_A.slug}.evil.example`,
			`${CLINIC_A.slug}.localhost.evil.example`,
			`www.${CLINIC_A.slug}.localhost`,
			`unrecorded.riverside-hosts.test`
		]) {
			const res = await page(`${host}:${APP_PORT}`);
			expect(res.status, host).toBe(404);
			expect(res.body, host).toContain('No clinic uses the address');
			expect(res.body, host).not.toContain(CLINIC_A.name);
		}
	});
});
