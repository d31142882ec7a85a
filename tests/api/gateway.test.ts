/**
 * The gateway step in front of every service (docs/local-runtime.md, "Gateway"): API key checks, CORS,
 * and the Authorization rewrite (a user JWT wins over the key; `Bearer sb_…` is never forwarded).
 * Observed through Auth, whose admin check shows which role the forwarded bearer carries.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { anonClient, API_URL, keys, serviceClient, uniqueEmail } from '../support/stack.ts';
import { deleteUsers } from '../support/people.ts';

const created: string[] = [];

afterAll(async () => {
	await deleteUsers({ emails: created });
});

async function userToken() {
	const email = uniqueEmail('gateway');
	created.push(email);
	const { error } = await serviceClient().auth.admin.createUser({
		email,
		password: 'gateway-pass-1',
		email_confirm: true
	});
	if (error) throw error;
	const { data } = await anonClient().auth.signInWithPassword({
		email,
		password: 'gateway-pass-1'
	});
	return data.session!.access_token;
}

describe('API keys', () => {
	it('answers a missing apikey with 401 and Kong’s body', async () => {
		for (const path of ['/auth/v1/user', '/rest/v1/']) {
			const res = await fetch(`${API_URL}${path}`);
			expect(res.status, path).toBe(401);
			expect(await res.json()).toEqual({
				message: 'No API key found in request',
				hint: 'No `apikey` request header or url param was found.'
			});
		}
	});

	it('answers an unknown apikey with 401 Invalid API key (header or ?apikey=)', async () => {
		const viaHeader = await fetch(`${API_URL}/auth/v1/settings`, {
			headers: { apikey: 'sb_publishable_wrong' }
		});
		expect(viaHeader.status).toBe(401);
		expect(await viaHeader.json()).toEqual({
			message: 'Invalid API key',
			hint: 'Double check your Supabase `anon` or `service_role` API key.'
		});
		const viaQuery = await fetch(`${API_URL}/auth/v1/settings?apikey=nope`);
		expect(viaQuery.status).toBe(401);
		const good = await fetch(`${API_URL}/auth/v1/settings?apikey=${keys.publishableKey}`);
		expect(good.status).toBe(200);
	});

	it('leaves the e-mail link, JWKS and health routes open', async () => {
		expect((await fetch(`${API_URL}/auth/v1/.well-known/jwks.json`)).status).toBe(200);
		expect((await fetch(`${API_URL}/auth/v1/health`)).status).toBe(200);
		const verify = await fetch(`${API_URL}/auth/v1/verify?token=nope&type=signup`, {
			redirect: 'manual'
		});
		expect(verify.status).toBe(303);
	});
});

describe('CORS', () => {
	it('answers preflight with the methods and requested headers', async () => {
		const res = await fetch(`${API_URL}/auth/v1/token?grant_type=password`, {
			method: 'OPTIONS',
			headers: {
				Origin: 'http://clinic-a.localhost:5173',
				'Access-Control-Request-Method': 'POST',
				'Access-Control-Request-Headers':
					'apikey, authorization, content-type, x-client-info, x-supabase-api-version'
			}
		});
		expect(res.status).toBeLessThan(300);
		expect(res.headers.get('access-control-allow-origin')).toBe('http://clinic-a.localhost:5173');
		const methods = res.headers.get('access-control-allow-methods') ?? '';
		for (const m of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) expect(methods).toContain(m);
		const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase();
		for (const h of [
			'apikey',
			'authorization',
			'content-type',
			'x-client-info',
			'x-supabase-api-version'
		]) {
			expect(allowed).toContain(h);
		}
	});

	it('exposes the headers the clients read', async () => {
		const res = await fetch(`${API_URL}/auth/v1/admin/users?page=1&per_page=1`, {
			headers: { apikey: keys.secretKey, Origin: 'http://localhost:5173' }
		});
		expect(res.status).toBe(200);
		const exposed = (res.headers.get('access-control-expose-headers') ?? '').toLowerCase();
		for (const h of ['content-range', 'x-total-count', 'link', 'x-supabase-api-version'])
			expect(exposed).toContain(h);
		expect(res.headers.get('x-total-count')).toMatch(/^\d+$/);
	});
});

describe('Authorization rewrite', () => {
	it('a secret key alone acts as service_role', async () => {
		const res = await fetch(`${API_URL}/auth/v1/admin/users?per_page=1`, {
			headers: { apikey: keys.secretKey, Authorization: `Bearer ${keys.secretKey}` }
		});
		expect(res.status).toBe(200);
	});

	it('a user JWT wins over the secret key', async () => {
		const token = await userToken();
		const res = await fetch(`${API_URL}/auth/v1/admin/users`, {
			headers: {
				apikey: keys.secretKey,
				Authorization: `Bearer ${token}`,
				'X-Supabase-Api-Version': '2024-01-01'
			}
		});
		expect(res.status).toBe(403);
		expect(await res.json()).toEqual({ code: 'not_admin', message: 'User not allowed' });
	});

	it('never forwards a Bearer sb_… token: the apikey decides', async () => {
		const smuggled = await fetch(`${API_URL}/auth/v1/admin/users`, {
			headers: { apikey: keys.publishableKey, Authorization: `Bearer ${keys.secretKey}` }
		});
		expect(smuggled.status).toBe(403);
		const viaKey = await fetch(`${API_URL}/auth/v1/admin/users?per_page=1`, {
			headers: { apikey: keys.secretKey, Authorization: `Bearer ${keys.publishableKey}` }
		});
		expect(viaKey.status).toBe(200);
	});

	it('the legacy service_role JWT works as key and bearer', async () => {
		const res = await fetch(`${API_URL}/auth/v1/admin/users?per_page=1`, {
			headers: { apikey: keys.serviceRoleJwt, Authorization: `Bearer ${keys.serviceRoleJwt}` }
		});
		expect(res.status).toBe(200);
	});
});
