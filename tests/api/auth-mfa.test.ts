/**
 * Supabase Auth's MFA (TOTP) contract through the official client (docs/local-runtime.md,
 * "Auth: MFA"): enroll, challenge, verify, challengeAndVerify, unenroll, listFactors,
 * getAuthenticatorAssuranceLevel and the admin factor API, with real RFC 6238 codes computed here
 * from the enrolled secret; GoTrue's tables, errors and statuses; aal through refresh and the
 * custom access token hook; the `[auth.mfa.totp]` switches.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SupabaseClient } from '@supabase/supabase-js';
import { anonClient, API_URL, keys, serviceClient, sql, uniqueEmail } from '../support/stack.ts';
import { createStaff, deleteUsers } from '../support/people.ts';
import { totpCode as code, wrongCode } from '../support/totp.ts';
import { confirmedAccount, expectAuthError } from './accounts.ts';
import {
	clientAt,
	randomLoopback,
	startPrivateGateway,
	type PrivateGateway
} from '../support/auth-gateway.ts';

const PASSWORD = 'Factor-password-1';
const admin = serviceClient();
const createdIds: string[] = [];

afterAll(async () => {
	await deleteUsers({ ids: createdIds });
});

function claims(token: string) {
	return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

/**
 * A person with an address of their own: Auth limits MFA challenges and verifications per client
 * address (15 a minute, bursts of 30), as it would for people on different networks.
 */
async function person() {
	const email = uniqueEmail('mfa');
	const ip = randomLoopback();
	const { id } = await confirmedAccount(email, PASSWORD);
	createdIds.push(id);
	return { email, id, ip };
}

type Person = { email: string; ip: string };

/** Signs the person in from their address, at the main gateway or at `url`. */
async function signIn(p: Person, url = API_URL) {
	const client: SupabaseClient = clientAt(url, p.ip);
	const { data, error } = await client.auth.signInWithPassword({
		email: p.email,
		password: PASSWORD
	});
	if (error) throw error;
	return { client, session: data.session };
}

/** A new person, signed in (aal1) from their own address. */
async function signedInPerson() {
	const p = await person();
	const { client } = await signIn(p);
	return { ...p, client };
}

/** A signed-in person with a verified TOTP factor, on an aal2 session. */
async function withVerifiedFactor() {
	const p = await person();
	const { client } = await signIn(p);
	const enrolled = await client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'Phone' });
	if (enrolled.error) throw enrolled.error;
	const factorId = enrolled.data.id;
	const secret = enrolled.data.totp.secret;
	const verified = await client.auth.mfa.challengeAndVerify({ factorId, code: code(secret) });
	if (verified.error) throw verified.error;
	return { ...p, client, factorId, secret, session: verified.data };
}

describe('enroll', () => {
	it('returns the QR code as an SVG data URI, the secret and the otpauth URI; the factor is unverified', async () => {
		const { client, ...p } = await signedInPerson();
		const { data, error } = await client.auth.mfa.enroll({
			factorType: 'totp',
			friendlyName: 'Work phone',
			issuer: 'Clinic Portal'
		});
		expect(error).toBeNull();
		expect(data!.type).toBe('totp');
		expect(data!.friendly_name).toBe('Work phone');
		expect(data!.id).toMatch(/^[0-9a-f-]{36}$/);
		const { qr_code, secret, uri } = data!.totp;
		expect(secret).toMatch(/^[A-Z2-7]{32}$/);
		expect(uri).toBe(
			`otpauth://totp/Clinic%20Portal:${p.email}?algorithm=SHA1&digits=6&issuer=Clinic%20Portal&period=30&secret=${secret}`
		);
		expect(qr_code.startsWith('data:image/svg+xml;utf-8,<svg')).toBe(true);
		expect(qr_code.trimEnd().endsWith('</svg>')).toBe(true);
		// a `#` would end the data URI early in an <img src>
		expect(qr_code.includes('#')).toBe(false);

		const rows = await sql(
			`select factor_type::text, status::text, friendly_name, secret, user_id
			   from auth.mfa_factors where id = $1`,
			[data!.id]
		);
		expect(rows).toEqual([
			{
				factor_type: 'totp',
				status: 'unverified',
				friendly_name: 'Work phone',
				secret,
				user_id: p.id
			}
		]);

		// listFactors reads the user object: `all` has it, `totp` only verified ones
		const list = await client.auth.mfa.listFactors();
		expect(list.error).toBeNull();
		expect(list.data!.all).toEqual([
			{
				id: data!.id,
				created_at: expect.any(String),
				updated_at: expect.any(String),
				status: 'unverified',
				friendly_name: 'Work phone',
				factor_type: 'totp',
				phone: '',
				last_challenged_at: null
			}
		]);
		expect(list.data!.totp).toEqual([]);
	});

	it('uses the site URL host as the default issuer, and the e-mail as the account', async () => {
		const { client, ...p } = await signedInPerson();
		const { data } = await client.auth.mfa.enroll({ factorType: 'totp' });
		const m = /^otpauth:\/\/totp\/([^:]+(?::\d+)?):([^?]+)\?(.*)$/.exec(data!.totp.uri)!;
		expect(m).not.toBeNull();
		expect(decodeURIComponent(m[2])).toBe(p.email);
		const issuer = new URLSearchParams(m[3]).get('issuer');
		expect(issuer).toBe(m[1]);
		expect(issuer).toMatch(/^[a-z0-9.-]+(:\d+)?$/);
		expect(data!.friendly_name).toBe('');
	});

	it('refuses a second factor with the same friendly name (422 mfa_factor_name_conflict)', async () => {
		const { client } = await signedInPerson();
		expect(
			(await client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'Phone' })).error
		).toBeNull();
		const again = await client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'Phone' });
		expectAuthError(
			again,
			422,
			'mfa_factor_name_conflict',
			'A factor with the friendly name "Phone" for this user already exists'
		);
	});

	it('stops at max_enrolled_factors (422 too_many_enrolled_mfa_factors)', async () => {
		const { client } = await signedInPerson();
		for (let i = 0; i < 10; i++) {
			const r = await client.auth.mfa.enroll({ factorType: 'totp', friendlyName: `App ${i}` });
			expect(r.error).toBeNull();
		}
		const eleventh = await client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'App 10' });
		expectAuthError(
			eleventh,
			422,
			'too_many_enrolled_mfa_factors',
			'Maximum number of verified factors reached, unenroll to continue'
		);
	});

	it('needs an aal2 session to add a factor once one is verified (403 insufficient_aal)', async () => {
		const f = await withVerifiedFactor();
		const { client: aal1 } = await signIn(f);
		const refused = await aal1.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'Second' });
		expectAuthError(refused, 403, 'insufficient_aal', 'AAL2 required to enroll a new factor');
		const allowed = await f.client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'Second' });
		expect(allowed.error).toBeNull();
	});

	it('answers phone, WebAuthn and unknown factor types as GoTrue does', async () => {
		const { client } = await signedInPerson();
		const phone = await client.auth.mfa.enroll({ factorType: 'phone', phone: '+15555550100' });
		expectAuthError(phone, 422, 'mfa_phone_enroll_not_enabled', 'MFA enroll is disabled for Phone');
		const token = (await client.auth.getSession()).data.session!.access_token;
		const post = (body: unknown) =>
			fetch(`${API_URL}/auth/v1/factors`, {
				method: 'POST',
				headers: {
					apikey: keys.publishableKey,
					Authorization: `Bearer ${token}`,
					'Content-Type': 'application/json',
					'X-Supabase-Api-Version': '2024-01-01'
				},
				body: JSON.stringify(body)
			});
		const webauthn = await post({ factor_type: 'webauthn' });
		expect(webauthn.status).toBe(422);
		expect(await webauthn.json()).toEqual({
			code: 'mfa_webauthn_enroll_not_enabled',
			message: 'MFA enroll is disabled for WebAuthn'
		});
		const unknown = await post({ factor_type: 'sms' });
		expect(unknown.status).toBe(400);
		expect(await unknown.json()).toEqual({
			code: 'validation_failed',
			message: 'factor_type needs to be totp, phone, or webauthn'
		});
	});

	it('needs a signed-in user (403 bad_jwt with only the API key)', async () => {
		const res = await fetch(`${API_URL}/auth/v1/factors`, {
			method: 'POST',
			headers: {
				apikey: keys.publishableKey,
				'Content-Type': 'application/json',
				'X-Supabase-Api-Version': '2024-01-01'
			},
			body: JSON.stringify({ factor_type: 'totp' })
		});
		expect(res.status).toBe(403);
		expect(((await res.json()) as { code: string }).code).toBe('bad_jwt');
		const { error } = await anonClient().auth.mfa.enroll({ factorType: 'totp' });
		expect(error?.status).toBe(403);
		expect(error?.code).toBe('bad_jwt');
	});
});

describe('challenge and verify', () => {
	it('challenge answers id, type and expiry; verify issues an aal2 session with a totp amr entry', async () => {
		const p = await person();
		const { client, session: before } = await signIn(p);
		const { data: enrolled } = await client.auth.mfa.enroll({ factorType: 'totp' });
		const factorId = enrolled!.id;

		const challenge = await client.auth.mfa.challenge({ factorId });
		expect(challenge.error).toBeNull();
		const now = Math.floor(Date.now() / 1000);
		expect(challenge.data).toEqual({
			id: expect.stringMatching(/^[0-9a-f-]{36}$/),
			type: 'totp',
			expires_at: expect.any(Number)
		});
		expect(challenge.data!.expires_at - now).toBeGreaterThanOrEqual(298);
		expect(challenge.data!.expires_at - now).toBeLessThanOrEqual(301);
		const [stored] = await sql<{ factor_id: string; ip: string; verified_at: string | null }>(
			`select factor_id, host(ip_address) as ip, verified_at from auth.mfa_challenges where id = $1`,
			[challenge.data!.id]
		);
		expect(stored).toEqual({ factor_id: factorId, ip: p.ip, verified_at: null });

		const verified = await client.auth.mfa.verify({
			factorId,
			challengeId: challenge.data!.id,
			code: code(enrolled!.totp.secret)
		});
		expect(verified.error).toBeNull();
		const s = verified.data!;
		expect(s.token_type).toBe('bearer');
		expect(s.refresh_token).not.toBe(before!.refresh_token);
		const c = claims(s.access_token);
		const old = claims(before!.access_token);
		expect(c.aal).toBe('aal2');
		expect(c.session_id).toBe(old.session_id);
		expect(c.amr).toEqual([
			{ method: 'totp', timestamp: expect.any(Number) },
			{ method: 'password', timestamp: old.amr[0].timestamp }
		]);
		expect(c.amr[0].timestamp).toBeGreaterThanOrEqual(now - 1);
		expect(s.user.factors).toEqual([
			expect.objectContaining({ id: factorId, status: 'verified', factor_type: 'totp' })
		]);

		// the client now holds the aal2 session
		const level = await client.auth.mfa.getAuthenticatorAssuranceLevel();
		expect(level.data).toEqual({
			currentLevel: 'aal2',
			nextLevel: 'aal2',
			currentAuthenticationMethods: c.amr
		});
		const list = await client.auth.mfa.listFactors();
		expect(list.data!.totp.map((f) => f.id)).toEqual([factorId]);

		const [row] = await sql(
			`select s.aal::text, s.factor_id, f.status::text as factor_status, ch.verified_at is not null as used,
			        (select array_agg(authentication_method order by authentication_method)
			           from auth.mfa_amr_claims where session_id = s.id) as amr
			   from auth.sessions s, auth.mfa_factors f, auth.mfa_challenges ch
			  where s.id = $1 and f.id = $2 and ch.id = $3`,
			[c.session_id, factorId, challenge.data!.id]
		);
		expect(row).toEqual({
			aal: 'aal2',
			factor_id: factorId,
			factor_status: 'verified',
			used: true,
			amr: ['password', 'totp']
		});
	});

	it('challengeAndVerify takes a fresh password session of a verified user from aal1 to aal2', async () => {
		const f = await withVerifiedFactor();
		const { client } = await signIn(f);
		const before = await client.auth.mfa.getAuthenticatorAssuranceLevel();
		expect(before.data).toMatchObject({ currentLevel: 'aal1', nextLevel: 'aal2' });
		const { data, error } = await client.auth.mfa.challengeAndVerify({
			factorId: f.factorId,
			code: code(f.secret)
		});
		expect(error).toBeNull();
		expect(claims(data!.access_token).aal).toBe('aal2');
		const after = await client.auth.mfa.getAuthenticatorAssuranceLevel();
		expect(after.data).toMatchObject({ currentLevel: 'aal2', nextLevel: 'aal2' });
	});

	it('refuses a wrong code with 422 mfa_verification_failed and keeps the challenge usable', async () => {
		const { client } = await signedInPerson();
		const { data: enrolled } = await client.auth.mfa.enroll({ factorType: 'totp' });
		const secret = enrolled!.totp.secret;
		const { data: ch } = await client.auth.mfa.challenge({ factorId: enrolled!.id });
		const wrong = await client.auth.mfa.verify({
			factorId: enrolled!.id,
			challengeId: ch!.id,
			code: wrongCode(secret)
		});
		expectAuthError(wrong, 422, 'mfa_verification_failed', 'Invalid TOTP code entered');
		// a code two periods old is outside GoTrue's one-step skew
		const stale = await client.auth.mfa.verify({
			factorId: enrolled!.id,
			challengeId: ch!.id,
			code: code(secret, -2)
		});
		expect(stale.error?.code).toBe('mfa_verification_failed');
		const [row] = await sql(`select status::text from auth.mfa_factors where id = $1`, [
			enrolled!.id
		]);
		expect(row.status).toBe('unverified');
		// the previous period's code is within the skew
		const right = await client.auth.mfa.verify({
			factorId: enrolled!.id,
			challengeId: ch!.id,
			code: code(secret, -1)
		});
		expect(right.error).toBeNull();
		expect(claims(right.data!.access_token).aal).toBe('aal2');
	});

	it('refuses an expired challenge with 422 mfa_challenge_expired and deletes it', async () => {
		const { client } = await signedInPerson();
		const { data: enrolled } = await client.auth.mfa.enroll({ factorType: 'totp' });
		const { data: ch } = await client.auth.mfa.challenge({ factorId: enrolled!.id });
		await sql(
			`update auth.mfa_challenges set created_at = created_at - interval '301 seconds' where id = $1`,
			[ch!.id]
		);
		const late = await client.auth.mfa.verify({
			factorId: enrolled!.id,
			challengeId: ch!.id,
			code: code(enrolled!.totp.secret)
		});
		expectAuthError(
			late,
			422,
			'mfa_challenge_expired',
			`MFA challenge ${ch!.id} has expired, verify against another challenge or create a new challenge.`
		);
		expect(await sql(`select id from auth.mfa_challenges where id = $1`, [ch!.id])).toEqual([]);
		const again = await client.auth.mfa.verify({
			factorId: enrolled!.id,
			challengeId: ch!.id,
			code: code(enrolled!.totp.secret)
		});
		expect(again.error?.code).toBe('mfa_factor_not_found');
		expect(again.error?.message).toBe('MFA factor with the provided challenge ID not found');
	});

	it('a used challenge cannot be verified again; the same code on a new challenge is accepted (GoTrue keeps no used codes)', async () => {
		const f = await withVerifiedFactor();
		const { client } = await signIn(f);
		const { data: ch } = await client.auth.mfa.challenge({ factorId: f.factorId });
		const c = code(f.secret);
		expect(
			(await client.auth.mfa.verify({ factorId: f.factorId, challengeId: ch!.id, code: c })).error
		).toBeNull();
		const reused = await client.auth.mfa.verify({
			factorId: f.factorId,
			challengeId: ch!.id,
			code: c
		});
		expectAuthError(
			reused,
			422,
			'mfa_ip_address_mismatch',
			'Challenge and verify IP addresses mismatch.'
		);
		const fresh = await client.auth.mfa.challengeAndVerify({ factorId: f.factorId, code: c });
		expect(fresh.error).toBeNull();
	});

	it('answers unknown, foreign and malformed ids and an empty code as GoTrue does', async () => {
		const a = await withVerifiedFactor();
		const b = await person();
		const { client } = await signIn(b);
		const foreign = await client.auth.mfa.challenge({ factorId: a.factorId });
		expectAuthError(foreign, 404, 'mfa_factor_not_found', 'Factor not found');
		const unknown = await client.auth.mfa.challenge({ factorId: crypto.randomUUID() });
		expect(unknown.error?.code).toBe('mfa_factor_not_found');
		const malformed = await client.auth.mfa.challenge({ factorId: 'not-a-uuid' });
		expectAuthError(malformed, 404, 'validation_failed', 'factor_id must be an UUID');

		const noChallenge = await a.client.auth.mfa.verify({
			factorId: a.factorId,
			challengeId: crypto.randomUUID(),
			code: code(a.secret)
		});
		expectAuthError(noChallenge, 422, 'mfa_factor_not_found');
		const badId = await a.client.auth.mfa.verify({
			factorId: a.factorId,
			challengeId: 'abc',
			code: code(a.secret)
		});
		expectAuthError(badId, 400, 'bad_json');
		const { data: ch } = await a.client.auth.mfa.challenge({ factorId: a.factorId });
		const empty = await a.client.auth.mfa.verify({
			factorId: a.factorId,
			challengeId: ch!.id,
			code: ''
		});
		expectAuthError(empty, 400, 'validation_failed', 'Code needs to be non-empty');
	});

	it('verifying ends the person’s other aal1 sessions and drops their unfinished enrolments', async () => {
		const p = await person();
		const { client: other, session: otherSession } = await signIn(p);
		const { client } = await signIn(p);
		const { data: pending } = await client.auth.mfa.enroll({
			factorType: 'totp',
			friendlyName: 'A'
		});
		const { data: enrolled } = await client.auth.mfa.enroll({
			factorType: 'totp',
			friendlyName: 'B'
		});
		const v = await client.auth.mfa.challengeAndVerify({
			factorId: enrolled!.id,
			code: code(enrolled!.totp.secret)
		});
		expect(v.error).toBeNull();
		const refresh = await anonClient().auth.refreshSession({
			refresh_token: otherSession!.refresh_token
		});
		expect(refresh.error?.code).toBe('refresh_token_not_found');
		const token = (await other.auth.getSession()).data.session!.access_token;
		const user = await fetch(`${API_URL}/auth/v1/user`, {
			headers: { apikey: keys.publishableKey, Authorization: `Bearer ${token}` }
		});
		expect(user.status).toBe(403);
		expect(user.headers.get('x-sb-error-code')).toBe('session_not_found');
		expect(await sql(`select id from auth.mfa_factors where id = $1`, [pending!.id])).toEqual([]);
	});
});

describe('assurance level through refresh and the access token hook', () => {
	it('refresh keeps aal2 (from the session’s amr claims); a new password session is aal1', async () => {
		const f = await withVerifiedFactor();
		const refreshed = await f.client.auth.refreshSession();
		expect(refreshed.error).toBeNull();
		const c = claims(refreshed.data.session!.access_token);
		expect(c.aal).toBe('aal2');
		expect(c.amr.map((a: { method: string }) => a.method)).toEqual(['totp', 'password']);
		const second = await f.client.auth.refreshSession();
		expect(claims(second.data.session!.access_token).aal).toBe('aal2');

		const { session } = await signIn(f);
		expect(claims(session!.access_token).aal).toBe('aal1');
	});

	it('the project’s access token hook still runs and keeps aal and amr', async () => {
		const staff = await createStaff({
			organizationSlug: 'clinic-a',
			role: 'doctor',
			password: PASSWORD,
			prefix: 'mfa-doctor'
		});
		createdIds.push(staff.id);
		const { client } = await signIn({ email: staff.email, ip: randomLoopback() });
		const { data: enrolled } = await client.auth.mfa.enroll({ factorType: 'totp' });
		const { data } = await client.auth.mfa.challengeAndVerify({
			factorId: enrolled!.id,
			code: code(enrolled!.totp.secret)
		});
		const c = claims(data!.access_token);
		expect(c).toMatchObject({ aal: 'aal2', org_role: 'doctor' });
		expect(c.organization_id).toMatch(/^[0-9a-f-]{36}$/);
		expect(c.amr[0].method).toBe('totp');
		const refreshed = await client.auth.refreshSession();
		expect(claims(refreshed.data.session!.access_token)).toMatchObject({
			aal: 'aal2',
			org_role: 'doctor'
		});
	});
});

describe('unenroll', () => {
	it('an unverified factor goes from an aal1 session', async () => {
		const { client } = await signedInPerson();
		const { data: enrolled } = await client.auth.mfa.enroll({ factorType: 'totp' });
		const { data, error } = await client.auth.mfa.unenroll({ factorId: enrolled!.id });
		expect(error).toBeNull();
		expect(data).toEqual({ id: enrolled!.id });
		expect(await sql(`select id from auth.mfa_factors where id = $1`, [enrolled!.id])).toEqual([]);
	});

	it('a verified factor needs aal2 (422 insufficient_aal); then sessions it raised drop to aal1', async () => {
		const f = await withVerifiedFactor();
		const { client: aal1 } = await signIn(f);
		const refused = await aal1.auth.mfa.unenroll({ factorId: f.factorId });
		expectAuthError(refused, 422, 'insufficient_aal', 'AAL2 required to unenroll verified factor');

		const done = await f.client.auth.mfa.unenroll({ factorId: f.factorId });
		expect(done.error).toBeNull();
		const sessionId = claims(f.session.access_token).session_id;
		const [row] = await sql(
			`select aal::text, factor_id,
			        (select array_agg(authentication_method) from auth.mfa_amr_claims where session_id = $1) as amr
			   from auth.sessions where id = $1`,
			[sessionId]
		);
		expect(row).toEqual({ aal: 'aal1', factor_id: null, amr: ['password'] });
		const refreshed = await f.client.auth.refreshSession();
		const c = claims(refreshed.data.session!.access_token);
		expect(c.aal).toBe('aal1');
		expect(c.amr.map((a: { method: string }) => a.method)).toEqual(['password']);
		const level = await f.client.auth.mfa.getAuthenticatorAssuranceLevel();
		expect(level.data).toMatchObject({ currentLevel: 'aal1', nextLevel: 'aal1' });
	});
});

describe('admin factor API (service role)', () => {
	it('lists and deletes a person’s factors; their current sessions keep their level, as in GoTrue', async () => {
		const f = await withVerifiedFactor();
		const list = await admin.auth.admin.mfa.listFactors({ userId: f.id });
		expect(list.error).toBeNull();
		expect(list.data!.factors).toEqual([
			expect.objectContaining({ id: f.factorId, status: 'verified', factor_type: 'totp' })
		]);
		const del = await admin.auth.admin.mfa.deleteFactor({ id: f.factorId, userId: f.id });
		expect(del.error).toBeNull();
		// GoTrue answers the deleted factor; auth-js 2.119 hands it back wrapped in `data`
		expect(JSON.stringify(del.data)).toContain(`"id":"${f.factorId}"`);
		expect((await admin.auth.admin.mfa.listFactors({ userId: f.id })).data!.factors).toEqual([]);
		// GoTrue's admin delete does not touch sessions: end them too when resetting someone's factors
		const refreshed = await f.client.auth.refreshSession();
		expect(claims(refreshed.data.session!.access_token).aal).toBe('aal2');

		const missing = await admin.auth.admin.mfa.deleteFactor({ id: f.factorId, userId: f.id });
		expect(missing.error?.status).toBe(404);
		const userJwt = await f.client.auth.admin.mfa.listFactors({ userId: f.id });
		expect(userJwt.error?.status).toBe(403);
	});
});

describe('[auth.mfa.totp] switches (private gateways)', () => {
	let enrollOff: PrivateGateway | null = null;
	let verifyOff: PrivateGateway | null = null;
	let hooked: PrivateGateway | null = null;
	const schema = `test_mfa_hook_${Math.random().toString(36).slice(2, 10)}`;

	beforeAll(async () => {
		await sql(`create schema ${schema}`);
		await sql(`grant usage on schema ${schema} to supabase_auth_admin`);
		// records what GoTrue hands the hook, and keeps everything
		await sql(`
			create function ${schema}.hook(event jsonb) returns jsonb language sql stable as $$
				select jsonb_set(event, '{claims,hook_input}', jsonb_build_object(
					'aal', event->'claims'->'aal', 'amr', event->'claims'->'amr',
					'method', event->'authentication_method'))
			$$`);
		await sql(`grant execute on function ${schema}.hook(jsonb) to supabase_auth_admin`);
		[enrollOff, verifyOff, hooked] = await Promise.all([
			startPrivateGateway({ SUPABASE_AUTH_MFA_TOTP_ENROLL_ENABLED: 'false' }),
			startPrivateGateway({ SUPABASE_AUTH_MFA_TOTP_VERIFY_ENABLED: 'false' }),
			startPrivateGateway({
				SUPABASE_AUTH_HOOK_CUSTOM_ACCESS_TOKEN_URI: `pg-functions://postgres/${schema}/hook`
			})
		]);
	});

	afterAll(async () => {
		await Promise.all([enrollOff?.stop(), verifyOff?.stop(), hooked?.stop()]);
		await sql(`drop schema if exists ${schema} cascade`);
	});

	it('enroll_enabled = false: 422 mfa_totp_enroll_not_enabled', async () => {
		const p = await person();
		const { client } = await signIn(p, enrollOff!.url);
		const { error } = await client.auth.mfa.enroll({ factorType: 'totp' });
		expect(error?.status).toBe(422);
		expect(error?.code).toBe('mfa_totp_enroll_not_enabled');
		expect(error?.message).toBe('MFA enroll is disabled for TOTP');
	});

	it('verify_enabled = false: challenge and verify answer 422 mfa_totp_verify_not_enabled', async () => {
		const p = await person();
		const { client: main } = await signIn(p);
		const { data: enrolled } = await main.auth.mfa.enroll({ factorType: 'totp' });
		const { data: ch } = await main.auth.mfa.challenge({ factorId: enrolled!.id });
		const { client } = await signIn(p, verifyOff!.url);
		const challenge = await client.auth.mfa.challenge({ factorId: enrolled!.id });
		expectAuthError(
			challenge,
			422,
			'mfa_totp_verify_not_enabled',
			'MFA verification is disabled for TOTP'
		);
		const verify = await client.auth.mfa.verify({
			factorId: enrolled!.id,
			challengeId: ch!.id,
			code: code(enrolled!.totp.secret)
		});
		expect(verify.error?.code).toBe('mfa_totp_verify_not_enabled');
	});

	it('the hook receives aal, amr and the method totp, and its claims are signed', async () => {
		const p = await person();
		const { client } = await signIn(p, hooked!.url);
		const { data: enrolled } = await client.auth.mfa.enroll({ factorType: 'totp' });
		const { data, error } = await client.auth.mfa.challengeAndVerify({
			factorId: enrolled!.id,
			code: code(enrolled!.totp.secret)
		});
		expect(error).toBeNull();
		const c = claims(data!.access_token);
		expect(c.aal).toBe('aal2');
		expect(c.hook_input).toEqual({ aal: 'aal2', amr: c.amr, method: 'totp' });
		const refreshed = await client.auth.refreshSession();
		expect(claims(refreshed.data.session!.access_token).hook_input).toMatchObject({
			aal: 'aal2',
			method: 'token_refresh'
		});
	});
});
