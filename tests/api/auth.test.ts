/**
 * The local Auth service through the official clients (supabase-js, @supabase/ssr) against the
 * real database: docs/local-runtime.md, "Auth" (endpoints, hook) and "Tokens and keys".
 */
import { createHash, webcrypto } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { createServerClient } from '@supabase/ssr';
import {
	adminDb,
	anonClient,
	API_URL,
	keys,
	MAIL_URL,
	mintToken,
	serviceClient,
	sql,
	uniqueEmail
} from '../support/stack.ts';
import { deleteUsers, linkInMail } from '../support/people.ts';
import { confirmedAccount, expectAuthError } from './accounts.ts';
import { privateGateway, type PrivateGateway } from '../support/private-gateway.ts';

const AUTH = `${API_URL}/auth/v1`;
/** Meets config.toml's rules: 10+ characters with lower and upper case letters and digits. */
const PASSWORD = 'Correct-horse-1';
const createdEmails: string[] = [];
/** Users whose address is gone (soft delete) are cleaned up by id. */
const createdIds: string[] = [];

function email(prefix = 'auth') {
	const e = uniqueEmail(prefix);
	createdEmails.push(e);
	return e;
}

const admin = serviceClient();

async function confirmedUser(metadata: Record<string, unknown> = {}) {
	return confirmedAccount(email(), PASSWORD, { user_metadata: metadata }, admin);
}

async function signedIn(client = anonClient()) {
	const u = await confirmedUser();
	const { data, error } = await client.auth.signInWithPassword({
		email: u.email,
		password: PASSWORD
	});
	if (error) throw error;
	return { ...u, client, session: data.session };
}

async function latestMail(to: string, base = MAIL_URL) {
	const res = await fetch(`${base}/api/messages/latest?to=${encodeURIComponent(to)}`);
	if (!res.ok) throw new Error(`no mail for ${to}: ${res.status}`);
	return (await res.json()) as {
		type: string;
		action_link: string;
		email_otp: string;
		token_hash: string;
		subject: string;
		html: string;
	};
}

/** Moves a user's `<kind>_sent_at` into the past, as if `seconds` had gone by since the e-mail. */
async function backdate(address: string, column: string, seconds: number) {
	await sql(
		`update auth.users set ${column} = ${column} - make_interval(secs => $2) where lower(email) = lower($1)`,
		[address, seconds]
	);
}

function decodePart(token: string, i: number) {
	return JSON.parse(Buffer.from(token.split('.')[i], 'base64url').toString('utf8'));
}

/** Plain fetch to Auth with the publishable key and auth-js's API version header. */
async function authFetch(
	path: string,
	init: RequestInit & { bearer?: string; legacy?: boolean } = {}
) {
	const headers: Record<string, string> = {
		apikey: keys.publishableKey,
		'Content-Type': 'application/json'
	};
	if (!init.legacy) headers['X-Supabase-Api-Version'] = '2024-01-01';
	if (init.bearer) headers.Authorization = `Bearer ${init.bearer}`;
	return fetch(`${AUTH}${path}`, {
		...init,
		headers: { ...headers, ...(init.headers as Record<string, string>) }
	});
}

afterAll(async () => {
	await deleteUsers({ emails: createdEmails, ids: createdIds });
});

describe('signUp (config.toml: enable_confirmations = true)', () => {
	it('returns no session until the e-mailed link is opened, keeping the given metadata', async () => {
		const client = anonClient();
		const address = email('signup');
		const { data, error } = await client.auth.signUp({
			email: address,
			password: PASSWORD,
			options: { data: { full_name: 'Ada Lovelace' } }
		});
		expect(error).toBeNull();
		expect(data.session).toBeNull();
		expect(data.user?.email).toBe(address);
		expect(data.user?.email_confirmed_at).toBeUndefined();
		expect(data.user?.confirmation_sent_at).toBeTruthy();
		expect(data.user?.user_metadata.full_name).toBe('Ada Lovelace');
		expect(data.user?.app_metadata).toMatchObject({ provider: 'email', providers: ['email'] });
		expect(data.user?.identities?.[0]).toMatchObject({
			provider: 'email',
			user_id: data.user?.id,
			id: data.user?.id
		});
		const early = await anonClient().auth.signInWithPassword({
			email: address,
			password: PASSWORD
		});
		expect(early.error?.code).toBe('email_not_confirmed');
		// the link's token hash (whichever way the e-mail was rendered) confirms and signs in
		const mail = await latestMail(address);
		const confirmed = await client.auth.verifyOtp({ token_hash: mail.token_hash, type: 'email' });
		expect(confirmed.error).toBeNull();
		expect(confirmed.data.session?.user.id).toBe(data.user?.id);
		expect(confirmed.data.user?.email_confirmed_at).toBeTruthy();
	});

	it('answers a registered address with an unsaved look-alike user, not an error (no enumeration)', async () => {
		const u = await confirmedUser();
		const { data, error } = await anonClient().auth.signUp({ email: u.email, password: PASSWORD });
		expect(error).toBeNull();
		expect(data.session).toBeNull();
		expect(data.user?.email).toBe(u.email);
		expect(data.user?.id).not.toBe(u.id);
	});

	it("never updates an unconfirmed account: a stranger cannot set an invited person's password", async () => {
		// an account created by a sign-in link (as for an invitation) that was never opened
		const address = email('unconfirmed');
		expect(
			(
				await anonClient().auth.signInWithOtp({
					email: address,
					options: { shouldCreateUser: true }
				})
			).error
		).toBeNull();
		// past [auth.email] max_frequency (60 s), so Auth mails a fresh confirmation link again: the
		// first e-mail is made older rather than waited for
		await sql(
			`update auth.users set confirmation_sent_at = confirmation_sent_at - interval '2 minutes'
			  where email = $1`,
			[address]
		);
		const stranger = await anonClient().auth.signUp({
			email: address,
			password: 'Strangers-pass-1',
			options: { data: { full_name: 'Eve' } }
		});
		expect(stranger.error).toBeNull();
		expect(stranger.data.session).toBeNull();
		expect(stranger.data.user?.user_metadata.full_name).toBeUndefined();
		// the rightful person opens the newest link (the stranger's sign-up mailed them a fresh one)
		const mail = await latestMail(address);
		expect(
			(await anonClient().auth.verifyOtp({ token_hash: mail.token_hash, type: 'email' })).error
		).toBeNull();
		const eve = await anonClient().auth.signInWithPassword({
			email: address,
			password: 'Strangers-pass-1'
		});
		expect(eve.error?.code).toBe('invalid_credentials');
	});

	it('rejects a weak password as weak_password with the reasons config.toml gives', async () => {
		const rule =
			'Password should contain at least one character of each: abcdefghijklmnopqrstuvwxyz, ABCDEFGHIJKLMNOPQRSTUVWXYZ, 0123456789.';
		const short = await anonClient().auth.signUp({ email: email(), password: 'Abc-12' });
		expect(short.error?.name).toBe('AuthWeakPasswordError');
		expectAuthError(short, 422, 'weak_password');
		expect((short.error as unknown as { reasons: string[] }).reasons).toEqual(['length']);
		expect(short.error?.message).toBe('Password should be at least 10 characters.');

		const plain = await anonClient().auth.signUp({ email: email(), password: 'correct-horse' });
		expect((plain.error as unknown as { reasons: string[] }).reasons).toEqual(['characters']);
		expect(plain.error?.message).toBe(rule);

		const both = await anonClient().auth.signUp({ email: email(), password: 'abc' });
		expect((both.error as unknown as { reasons: string[] }).reasons).toEqual([
			'length',
			'characters'
		]);
		expect(both.error?.message).toBe(`Password should be at least 10 characters. ${rule}`);

		const tooLong = await anonClient().auth.signUp({ email: email(), password: 'Aa1'.repeat(25) });
		expectAuthError(
			tooLong,
			400,
			'validation_failed',
			'Password cannot be longer than 72 characters'
		);
	});

	it('admin-created users skip the rules (as GoTrue); their weak password signs in with weak_password', async () => {
		const address = email('weak');
		const created = await admin.auth.admin.createUser({
			email: address,
			password: 'weakpass',
			email_confirm: true
		});
		expect(created.error).toBeNull();
		const { data, error } = await anonClient().auth.signInWithPassword({
			email: address,
			password: 'weakpass'
		});
		expect(error).toBeNull();
		expect(data.session).not.toBeNull();
		expect(data.weakPassword).toEqual({
			message:
				'Password should be at least 10 characters. Password should contain at least one character of each: abcdefghijklmnopqrstuvwxyz, ABCDEFGHIJKLMNOPQRSTUVWXYZ, 0123456789.',
			reasons: ['length', 'characters']
		});
		const strong = await signedIn();
		expect(strong.session).not.toBeNull();
		const raw = await authFetch('/token?grant_type=password', {
			method: 'POST',
			body: JSON.stringify({ email: strong.email, password: PASSWORD })
		});
		expect('weak_password' in ((await raw.json()) as object)).toBe(false);
		// and an admin update does apply them
		const update = await admin.auth.admin.updateUserById(created.data.user!.id, {
			password: 'weakpass2'
		});
		expect(update.error?.code).toBe('weak_password');
	});
});

describe('signInWithPassword', () => {
	it('signs in a confirmed user and issues an ES256 access token with GoTrue claims', async () => {
		const u = await confirmedUser();
		const { data, error } = await anonClient().auth.signInWithPassword({
			email: u.email,
			password: PASSWORD
		});
		expect(error).toBeNull();
		const token = data.session!.access_token;
		const header = decodePart(token, 0);
		const claims = decodePart(token, 1);
		expect(header).toMatchObject({ alg: 'ES256', typ: 'JWT', kid: expect.any(String) });
		expect(claims).toMatchObject({
			iss: `${API_URL}/auth/v1`,
			sub: u.id,
			aud: 'authenticated',
			email: u.email,
			phone: '',
			role: 'authenticated',
			aal: 'aal1',
			is_anonymous: false,
			app_metadata: { provider: 'email', providers: ['email'] }
		});
		expect(claims.exp - claims.iat).toBe(3600);
		expect(claims.amr).toEqual([{ method: 'password', timestamp: expect.any(Number) }]);
		expect(data.session!.expires_in).toBe(3600);
		expect(data.session!.token_type).toBe('bearer');
		const rows = await sql(`select user_id from auth.sessions where id = $1`, [claims.session_id]);
		expect(rows).toEqual([{ user_id: u.id }]);
	});

	it('answers a wrong password and an unknown address with 400 invalid_credentials', async () => {
		const u = await confirmedUser();
		const wrong = await anonClient().auth.signInWithPassword({
			email: u.email,
			password: 'not-the-password'
		});
		expectAuthError(wrong, 400, 'invalid_credentials', 'Invalid login credentials');
		const unknown = await anonClient().auth.signInWithPassword({
			email: uniqueEmail('nobody'),
			password: PASSWORD
		});
		expect(unknown.error?.code).toBe('invalid_credentials');
	});

	it('refuses an unconfirmed admin-created user with email_not_confirmed (F9)', async () => {
		const address = email('unconfirmed');
		const created = await admin.auth.admin.createUser({ email: address, password: PASSWORD });
		expect(created.error).toBeNull();
		expect(created.data.user?.email_confirmed_at).toBeUndefined();
		const { error } = await anonClient().auth.signInWithPassword({
			email: address,
			password: PASSWORD
		});
		expect(error?.status).toBe(400);
		expect(error?.code).toBe('email_not_confirmed');
	});
});

describe('getUser and getClaims', () => {
	it('getUser returns the signed-in user from /user', async () => {
		const { client, id, email: address } = await signedIn();
		const { data, error } = await client.auth.getUser();
		expect(error).toBeNull();
		expect(data.user).toMatchObject({
			id,
			email: address,
			aud: 'authenticated',
			role: 'authenticated'
		});
	});

	it('getClaims verifies the ES256 token locally against the published JWKS', async () => {
		const { client, id, session } = await signedIn();
		const jwksRes = await fetch(`${AUTH}/.well-known/jwks.json`);
		expect(jwksRes.status).toBe(200);
		expect(jwksRes.headers.get('cache-control')).toBe('public, max-age=600');
		const { keys: published } = (await jwksRes.json()) as {
			keys: (JsonWebKey & { kid: string })[];
		};
		expect(published.every((k) => k.kty === 'EC' && !('d' in k))).toBe(true);
		const { data, error } = await client.auth.getClaims();
		expect(error).toBeNull();
		expect(data?.header.alg).toBe('ES256');
		expect(published.map((k) => k.kid)).toContain(data?.header.kid);
		expect(data?.claims.sub).toBe(id);
		// the same check done independently with WebCrypto
		const jwk = published.find((k) => k.kid === data?.header.kid)!;
		const key = await webcrypto.subtle.importKey(
			'jwk',
			jwk,
			{ name: 'ECDSA', namedCurve: 'P-256' },
			false,
			['verify']
		);
		const [h, p, s] = session!.access_token.split('.');
		const ok = await webcrypto.subtle.verify(
			{ name: 'ECDSA', hash: 'SHA-256' },
			key,
			Buffer.from(s, 'base64url'),
			Buffer.from(`${h}.${p}`)
		);
		expect(ok).toBe(true);
	});

	it('rejects garbage, expired and orphaned tokens at /user with the contract codes', async () => {
		const garbage = await authFetch('/user', { bearer: 'not.a.jwt' });
		expect(garbage.status).toBe(403);
		expect(garbage.headers.get('x-sb-error-code')).toBe('bad_jwt');
		expect(((await garbage.json()) as { code: string }).code).toBe('bad_jwt');

		const { id } = await confirmedUser();
		const expired = await anonClient().auth.getUser(mintToken({ sub: id }, -60));
		expectAuthError(expired, 403, 'bad_jwt');
		expect(expired.error?.message).toMatch(/expired/);

		const orphan = await anonClient().auth.getUser(mintToken({ sub: crypto.randomUUID() }));
		expectAuthError(orphan, 403, 'user_not_found');

		// only the publishable key: the gateway forwards the internal anon JWT, which has no sub
		const keyOnly = await authFetch('/user');
		expect(keyOnly.status).toBe(403);
		expect(((await keyOnly.json()) as { code: string }).code).toBe('bad_jwt');
	});
});

describe('refresh tokens', () => {
	it('rotate; a replayed parent of the active token answers it; an older one is reused only within the interval', async () => {
		const { client, session } = await signedIn();
		const first = session!.refresh_token;
		const { data: r1, error: e1 } = await client.auth.refreshSession();
		expect(e1).toBeNull();
		const second = r1.session!.refresh_token;
		expect(second).not.toBe(first);
		expect(r1.session!.access_token).not.toBe(session!.access_token);

		// the parent of the active token answers the active token (a client that lost the answer)
		const replay = await anonClient().auth.refreshSession({ refresh_token: first });
		expect(replay.error).toBeNull();
		expect(replay.data.session!.refresh_token).toBe(second);

		// rotate once more: `first` is now a grandparent
		const { data: r2 } = await client.auth.refreshSession();
		const third = r2.session!.refresh_token;
		expect(third).not.toBe(second);

		// a grandparent after the 10 s reuse interval: already used, and the session's tokens revoked
		await sql(
			`update auth.refresh_tokens set updated_at = now() - interval '1 minute' where token = $1`,
			[first]
		);
		const late = await anonClient().auth.refreshSession({ refresh_token: first });
		expectAuthError(late, 400, 'refresh_token_already_used', 'Invalid Refresh Token: Already Used');
		const db2 = adminDb();
		await db2.connect();
		try {
			const { rows } = await db2.query(
				`select bool_and(revoked) as all_revoked from auth.refresh_tokens
				  where session_id = (select session_id from auth.refresh_tokens where token = $1)`,
				[first]
			);
			expect(rows[0].all_revoked).toBe(true);
			// once the revoked child is past the interval too, it is refused as well
			await db2.query(
				`update auth.refresh_tokens set updated_at = now() - interval '1 minute' where token = $1`,
				[third]
			);
		} finally {
			await db2.end();
		}
		const child = await anonClient().auth.refreshSession({ refresh_token: third });
		expect(child.error?.code).toBe('refresh_token_already_used');
	});

	it('a revoked token that is not the active one’s parent is rotated again within the interval', async () => {
		const { client, session } = await signedIn();
		const first = session!.refresh_token;
		await client.auth.refreshSession();
		const { data: r2 } = await client.auth.refreshSession();
		const again = await anonClient().auth.refreshSession({ refresh_token: first });
		expect(again.error).toBeNull();
		expect(again.data.session!.refresh_token).not.toBe(r2.session!.refresh_token);
		expect(again.data.session!.refresh_token).not.toBe(first);
	});

	it('answers an unknown refresh token with refresh_token_not_found', async () => {
		const { error } = await anonClient().auth.refreshSession({ refresh_token: 'nope-nope-nope' });
		expect(error?.status).toBe(400);
		expect(error?.code).toBe('refresh_token_not_found');
	});
});

describe('updateUser', () => {
	it('merges user_metadata (null deletes a key)', async () => {
		const { client } = await signedIn();
		await client.auth.updateUser({ data: { a: 1, b: 2 } });
		const { data, error } = await client.auth.updateUser({ data: { b: null, c: 3 } });
		expect(error).toBeNull();
		expect(data.user?.user_metadata).toMatchObject({ a: 1, c: 3 });
		expect(data.user?.user_metadata).not.toHaveProperty('b');
		const refreshed = await client.auth.refreshSession();
		expect(decodePart(refreshed.data.session!.access_token, 1).user_metadata).toMatchObject({
			a: 1,
			c: 3
		});
	});

	it('changes the password, refusing the same and weak ones', async () => {
		const { client, email: address } = await signedIn();
		const same = await client.auth.updateUser({ password: PASSWORD });
		expectAuthError(same, 422, 'same_password');
		const weak = await client.auth.updateUser({ password: 'a-new-password-2' });
		expect(weak.error?.code).toBe('weak_password');
		expect((weak.error as unknown as { reasons: string[] }).reasons).toEqual(['characters']);
		const changed = await client.auth.updateUser({ password: 'A-new-password-2' });
		expect(changed.error).toBeNull();
		expect(
			(await anonClient().auth.signInWithPassword({ email: address, password: PASSWORD })).error
				?.code
		).toBe('invalid_credentials');
		expect(
			(await anonClient().auth.signInWithPassword({ email: address, password: 'A-new-password-2' }))
				.error
		).toBeNull();
	});

	it('refuses app_metadata from the user with 403 not_admin', async () => {
		const { session } = await signedIn();
		const res = await authFetch('/user', {
			method: 'PUT',
			bearer: session!.access_token,
			body: JSON.stringify({ app_metadata: { role: 'admin' } })
		});
		expect(res.status).toBe(403);
		expect(((await res.json()) as { code: string }).code).toBe('not_admin');
	});
});

describe('e-mail change (config.toml: double_confirm_changes = true)', () => {
	it('updateUser({ email }) changes nothing until the links sent to both addresses are opened', async () => {
		const { client, id, email: old } = await signedIn();
		const next = email('changed');
		const { data, error } = await client.auth.updateUser({ email: next });
		expect(error).toBeNull();
		expect(data.user?.email).toBe(old);
		expect(data.user?.new_email).toBe(next);
		expect(
			(await anonClient().auth.signInWithPassword({ email: next, password: PASSWORD })).error?.code
		).toBe('invalid_credentials');
		const toNew = await latestMail(next);
		const toOld = await latestMail(old);
		expect(toNew.token_hash).not.toBe(toOld.token_hash);
		// the first link (here: the new address's) confirms one half and gives no session
		const half = await anonClient().auth.verifyOtp({
			token_hash: toNew.token_hash,
			type: 'email_change'
		});
		expect(half.error).toBeNull();
		expect(half.data.session).toBeNull();
		expect((await client.auth.getUser()).data.user?.email).toBe(old);
		// the second one applies the change
		const done = await anonClient().auth.verifyOtp({
			token_hash: toOld.token_hash,
			type: 'email_change'
		});
		expect(done.error).toBeNull();
		expect(done.data.user?.email).toBe(next);
		expect(
			(await anonClient().auth.signInWithPassword({ email: next, password: PASSWORD })).data.user
				?.id
		).toBe(id);
	});

	it('refuses an address another user has with 422 email_exists', async () => {
		const other = await confirmedUser();
		const { client } = await signedIn();
		const { error } = await client.auth.updateUser({ email: other.email });
		expect(error?.status).toBe(422);
		expect(error?.code).toBe('email_exists');
	});
});

describe('signOut scopes', () => {
	async function twoSessions() {
		const u = await confirmedUser();
		const a = anonClient();
		const b = anonClient();
		const sa = await a.auth.signInWithPassword({ email: u.email, password: PASSWORD });
		const sb = await b.auth.signInWithPassword({ email: u.email, password: PASSWORD });
		return { a, b, sa: sa.data.session!, sb: sb.data.session! };
	}

	it('others ends every other session and keeps this one', async () => {
		const { a, sb } = await twoSessions();
		expect((await a.auth.signOut({ scope: 'others' })).error).toBeNull();
		expect((await a.auth.getUser()).error).toBeNull();
		const other = await anonClient().auth.refreshSession({ refresh_token: sb.refresh_token });
		expect(other.error?.code).toBe('refresh_token_not_found');
	});

	it('local ends only this session', async () => {
		const { a, b, sa } = await twoSessions();
		expect((await a.auth.signOut({ scope: 'local' })).error).toBeNull();
		expect((await b.auth.getUser()).error).toBeNull();
		const res = await authFetch('/user', { bearer: sa.access_token });
		expect(res.status).toBe(403);
		expect(res.headers.get('x-sb-error-code')).toBe('session_not_found');
		const gone = await anonClient().auth.getUser(sa.access_token);
		expect(gone.error?.name).toBe('AuthSessionMissingError');
	});

	it('global ends every session: refresh fails afterwards', async () => {
		const { a, sa, sb } = await twoSessions();
		expect((await a.auth.signOut({ scope: 'global' })).error).toBeNull();
		for (const s of [sa, sb]) {
			const r = await anonClient().auth.refreshSession({ refresh_token: s.refresh_token });
			expect(r.error?.code).toBe('refresh_token_not_found');
		}
	});

	it('rejects an unknown scope with 400 validation_failed', async () => {
		const { session } = await signedIn();
		const res = await authFetch('/logout?scope=everything', {
			method: 'POST',
			bearer: session!.access_token
		});
		expect(res.status).toBe(400);
		expect(((await res.json()) as { code: string }).code).toBe('validation_failed');
	});
});

describe('password recovery', () => {
	it('resetPasswordForEmail → mailbox → verifyOtp(token_hash) → new password works', async () => {
		const u = await confirmedUser();
		const client = anonClient();
		const sent = await client.auth.resetPasswordForEmail(u.email, {
			redirectTo: 'http://localhost:5173/auth/confirm?next=/set-password'
		});
		expect(sent.error).toBeNull();
		const mail = await latestMail(u.email);
		// the link of supabase/templates/recovery.html: the portal's /auth/confirm with the token hash
		const link = new URL(linkInMail(mail));
		expect(link.origin + link.pathname).toBe('http://localhost:5173/auth/confirm');
		expect(link.searchParams.get('type')).toBe('recovery');
		expect(link.searchParams.get('next')).toBe('/set-password');
		expect(link.searchParams.get('token_hash')).toBe(mail.token_hash);
		const verified = await client.auth.verifyOtp({ token_hash: mail.token_hash, type: 'recovery' });
		expect(verified.error).toBeNull();
		expect(verified.data.session?.user.id).toBe(u.id);
		expect(decodePart(verified.data.session!.access_token, 1).amr[0].method).toBe('recovery');
		expect((await client.auth.updateUser({ password: 'Recovered-pass-3' })).error).toBeNull();
		const again = await anonClient().auth.verifyOtp({
			token_hash: mail.token_hash,
			type: 'recovery'
		});
		expectAuthError(again, 403, 'otp_expired');
		expect(
			(await anonClient().auth.signInWithPassword({ email: u.email, password: 'Recovered-pass-3' }))
				.error
		).toBeNull();
	});

	it('answers 200 for an unknown address without sending anything', async () => {
		const nobody = uniqueEmail('nobody');
		expect((await anonClient().auth.resetPasswordForEmail(nobody)).error).toBeNull();
		const res = await fetch(`${MAIL_URL}/api/messages?to=${encodeURIComponent(nobody)}`);
		expect(await res.json()).toEqual([]);
	});
});

describe('signInWithOtp and anonymous sign-in', () => {
	it('refuses to create a user when shouldCreateUser is false (422 otp_disabled)', async () => {
		const { error } = await anonClient().auth.signInWithOtp({
			email: uniqueEmail('nobody'),
			options: { shouldCreateUser: false }
		});
		expect(error?.status).toBe(422);
		expect(error?.code).toBe('otp_disabled');
	});

	it('anonymous sign-ins are off as in config.toml (422 anonymous_provider_disabled)', async () => {
		const { error } = await anonClient().auth.signInAnonymously();
		expect(error?.status).toBe(422);
		expect(error?.code).toBe('anonymous_provider_disabled');
	});
});

describe('admin users API', () => {
	it('creates, lists with pagination headers, gets, updates (merging metadata) and deletes', async () => {
		const created: string[] = [];
		for (let i = 0; i < 3; i++) {
			const { data, error } = await admin.auth.admin.createUser({
				email: email('admin'),
				password: PASSWORD,
				email_confirm: true,
				user_metadata: { n: i, keep: true },
				app_metadata: { organization_id: 'org-1' }
			});
			expect(error).toBeNull();
			expect(data.user?.email_confirmed_at).toBeTruthy();
			created.push(data.user!.id);
		}

		const listed = await admin.auth.admin.listUsers({ page: 1, perPage: 2 });
		expect(listed.error).toBeNull();
		expect(listed.data.users).toHaveLength(2);
		expect((listed.data as { total: number }).total).toBeGreaterThanOrEqual(3);
		expect((listed.data as { nextPage: number | null }).nextPage).toBe(2);
		const raw = await fetch(`${AUTH}/admin/users?page=1&per_page=2`, {
			headers: { apikey: keys.secretKey, Authorization: `Bearer ${keys.secretKey}` }
		});
		const total = Number(raw.headers.get('x-total-count'));
		expect(total).toBeGreaterThanOrEqual(3);
		expect(raw.headers.get('link')).toBe(
			`</admin/users?page=2&per_page=2>; rel="next", </admin/users?page=${Math.ceil(total / 2)}&per_page=2>; rel="last"`
		);
		const newest = ((await raw.json()) as { users: { id: string }[] }).users.map((u) => u.id);
		expect(newest).toContain(created[2]);

		const got = await admin.auth.admin.getUserById(created[0]);
		expect(got.data.user?.user_metadata).toMatchObject({ n: 0, keep: true });

		const updated = await admin.auth.admin.updateUserById(created[0], {
			user_metadata: { n: 10, keep: null },
			app_metadata: { org_role: 'admin' }
		});
		expect(updated.error).toBeNull();
		expect(updated.data.user?.user_metadata).toMatchObject({ n: 10 });
		expect(updated.data.user?.user_metadata).not.toHaveProperty('keep');
		expect(updated.data.user?.app_metadata).toMatchObject({
			provider: 'email',
			organization_id: 'org-1',
			org_role: 'admin'
		});

		const deleted = await admin.auth.admin.deleteUser(created[1]);
		expect(deleted.error).toBeNull();
		const gone = await admin.auth.admin.getUserById(created[1]);
		expectAuthError(gone, 404, 'user_not_found');
	});

	it('ban_duration bans (sign-in and refresh 400 user_banned, sessions kept) and "none" lifts the ban', async () => {
		const { id, email: address, session } = await signedIn();
		const banned = await admin.auth.admin.updateUserById(id, { ban_duration: '24h' });
		expect(banned.error).toBeNull();
		expect(Date.parse(banned.data.user!.banned_until!)).toBeGreaterThan(
			Date.now() + 23 * 3600 * 1000
		);
		const denied = await anonClient().auth.signInWithPassword({
			email: address,
			password: PASSWORD
		});
		expectAuthError(denied, 400, 'user_banned');
		const refresh = await anonClient().auth.refreshSession({
			refresh_token: session!.refresh_token
		});
		expectAuthError(refresh, 400, 'user_banned', 'Invalid Refresh Token: User Banned');
		expect((await admin.auth.admin.updateUserById(id, { ban_duration: 'none' })).error).toBeNull();
		expect(
			(await anonClient().auth.signInWithPassword({ email: address, password: PASSWORD })).error
		).toBeNull();
		// GoTrue's ban only sets banned_until: the session was kept and refreshes again
		const again = await anonClient().auth.refreshSession({ refresh_token: session!.refresh_token });
		expect(again.error).toBeNull();
	});

	it('soft delete hides the user from the admin API and blocks sign-in', async () => {
		const { id, email: address } = await confirmedUser();
		createdIds.push(id);
		expect((await admin.auth.admin.deleteUser(id, true)).error).toBeNull();
		expect((await admin.auth.admin.getUserById(id)).error?.code).toBe('user_not_found');
		const denied = await anonClient().auth.signInWithPassword({
			email: address,
			password: PASSWORD
		});
		expect(denied.error?.code).toBe('invalid_credentials');
	});

	it('refuses a second user with the same address (422 email_exists)', async () => {
		const u = await confirmedUser();
		const { error } = await admin.auth.admin.createUser({ email: u.email, password: PASSWORD });
		expect(error?.status).toBe(422);
		expect(error?.code).toBe('email_exists');
	});

	it('is closed to non-admins: 403 not_admin for the anon key and for a user JWT', async () => {
		const anonList = await authFetch('/admin/users');
		expect(anonList.status).toBe(403);
		expect(((await anonList.json()) as { code: string }).code).toBe('not_admin');
		const { session } = await signedIn();
		const asUser = await authFetch('/admin/users', { bearer: session!.access_token });
		expect(asUser.status).toBe(403);
		expect(asUser.headers.get('x-sb-error-code')).toBe('not_admin');
	});
});

describe('admin.generateLink', () => {
	it('signup link: flattened user plus properties; the token hash verifies and confirms', async () => {
		const address = email('link');
		const { data, error } = await admin.auth.admin.generateLink({
			type: 'signup',
			email: address,
			password: PASSWORD,
			options: { redirectTo: 'http://localhost:5173/welcome' }
		});
		expect(error).toBeNull();
		expect(data.user!.email).toBe(address);
		expect(data.properties!.email_otp).toMatch(/^\d{6}$/);
		expect(data.properties!.hashed_token).toBe(
			createHash('sha224')
				.update(address + data.properties!.email_otp)
				.digest('hex')
		);
		expect(data.properties!.verification_type).toBe('signup');
		expect(data.properties!.redirect_to).toBe('http://localhost:5173/welcome');
		expect(data.properties!.action_link).toBe(
			// GoTrue's encodeRedirectURL: escaped only when it holds &, = or #
			`${AUTH}/verify?token=${data.properties!.hashed_token}&type=signup&redirect_to=http://localhost:5173/welcome`
		);
		expect(
			(await anonClient().auth.signInWithPassword({ email: address, password: PASSWORD })).error
				?.code
		).toBe('email_not_confirmed');
		const verified = await anonClient().auth.verifyOtp({
			token_hash: data.properties!.hashed_token,
			type: 'signup'
		});
		expect(verified.error).toBeNull();
		expect(verified.data.user?.email_confirmed_at).toBeTruthy();
		expect(
			(await anonClient().auth.signInWithPassword({ email: address, password: PASSWORD })).error
		).toBeNull();
	});

	it('magiclink, recovery and invite links sign the user in when verified', async () => {
		const u = await confirmedUser();
		for (const type of ['magiclink', 'recovery'] as const) {
			const { data, error } = await admin.auth.admin.generateLink({ type, email: u.email });
			expect(error).toBeNull();
			expect(data.properties!.verification_type).toBe(type);
			const v = await anonClient().auth.verifyOtp({
				token_hash: data.properties!.hashed_token,
				type
			});
			expect(v.data.session?.user.id).toBe(u.id);
		}
		const invitee = email('invitee');
		const inv = await admin.auth.admin.generateLink({ type: 'invite', email: invitee });
		expect(inv.data.user!.invited_at).toBeTruthy();
		const v = await anonClient().auth.verifyOtp({
			token_hash: inv.data.properties!.hashed_token,
			type: 'invite'
		});
		expect(v.data.session?.user.email).toBe(invitee);
	});

	it('recovery for an unknown address is 404 user_not_found', async () => {
		const { error } = await admin.auth.admin.generateLink({
			type: 'recovery',
			email: uniqueEmail('nobody')
		});
		expect(error?.status).toBe(404);
		expect(error?.code).toBe('user_not_found');
	});
});

describe('malformed requests', () => {
	it('bad JSON is 400 bad_json', async () => {
		const res = await authFetch('/token?grant_type=password', {
			method: 'POST',
			body: '{"email":'
		});
		expect(res.status).toBe(400);
		expect(res.headers.get('x-supabase-api-version')).toBe('2024-01-01');
		expect(((await res.json()) as { code: string }).code).toBe('bad_json');
	});

	it('missing or invalid fields are 400 validation_failed, never 5xx', async () => {
		const cases: [string, unknown][] = [
			['/token?grant_type=password', { password: 'x' }],
			['/recover', {}],
			['/signup', { email: 'not-an-email', password: PASSWORD }],
			['/signup', { email: uniqueEmail(), password: '' }],
			['/verify', { type: 'recovery' }],
			['/verify', { type: 'bogus', token_hash: 'x' }]
		];
		for (const [path, body] of cases) {
			const res = await authFetch(path, { method: 'POST', body: JSON.stringify(body) });
			expect(res.status, path).toBe(400);
			expect(((await res.json()) as { code: string }).code, path).toBe('validation_failed');
		}
		const grant = await authFetch('/token?grant_type=magic', { method: 'POST', body: '{}' });
		expect(grant.status).toBe(400);
		expect((await grant.json()) as { code: string; message: string }).toEqual({
			code: 'invalid_credentials',
			message: 'unsupported_grant_type'
		});
	});

	it('without the API version header errors use the legacy body', async () => {
		const res = await authFetch('/token?grant_type=password', {
			method: 'POST',
			legacy: true,
			body: JSON.stringify({ email: uniqueEmail(), password: 'whatever' })
		});
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({
			code: 400,
			error_code: 'invalid_credentials',
			msg: 'Invalid login credentials'
		});
	});
});

describe('@supabase/ssr server client', () => {
	function jarClient(jar: Map<string, string>) {
		return createServerClient(API_URL, keys.publishableKey, {
			cookies: {
				getAll: () => [...jar].map(([name, value]) => ({ name, value })),
				setAll: (cookies) => {
					for (const { name, value, options } of cookies) {
						if (options?.maxAge === 0 || value === '') jar.delete(name);
						else jar.set(name, value);
					}
				}
			}
		});
	}

	it('signs in into cookies and a fresh server client on the same cookies gets verified claims', async () => {
		const u = await confirmedUser();
		const jar = new Map<string, string>();
		const { error } = await jarClient(jar).auth.signInWithPassword({
			email: u.email,
			password: PASSWORD
		});
		expect(error).toBeNull();
		const cookie = jar.get('sb-127-auth-token') ?? jar.get('sb-127-auth-token.0');
		expect(cookie?.startsWith('base64-')).toBe(true);
		const { data, error: claimsError } = await jarClient(jar).auth.getClaims();
		expect(claimsError).toBeNull();
		expect(data?.claims.sub).toBe(u.id);
		expect(data?.header.alg).toBe('ES256');
	});
});

// -------------------------------------------------------------------------------------------------
// A private gateway process with a custom access token hook, configured the way an operator would
// (environment), so the hook is exercised end to end through supabase-js. Its Auth renders the
// e-mail templates itself (no Send Email hook), so these tests see Auth's own mail: the six-digit
// code and the confirmation URL (.ConfirmationURL, Auth's /verify) in the mailbox's fields.

describe('private gateway: custom access token hook, Auth rendering its own e-mail', () => {
	const schema = `test_hooks_${Math.random().toString(36).slice(2, 10)}`;
	let gateway: PrivateGateway | null = null;
	let url = '';
	let mailUrl = '';
	const client = (): SupabaseClient =>
		createClient(url, keys.publishableKey, {
			auth: { persistSession: false, autoRefreshToken: false }
		});
	const privAdmin = (): SupabaseClient =>
		createClient(url, keys.secretKey, { auth: { persistSession: false, autoRefreshToken: false } });

	beforeAll(async () => {
		const db = adminDb();
		await db.connect();
		try {
			await db.query(`create schema ${schema}`);
			await db.query(`grant usage on schema ${schema} to supabase_auth_admin`);
			await db.query(`
				create function ${schema}.custom_access_token_hook(event jsonb) returns jsonb
				language plpgsql stable as $$
				begin
					if event->'claims'->'user_metadata'->>'hook' = 'reject' then
						return jsonb_build_object('error', jsonb_build_object('http_code', 403, 'message', 'Clinic suspended'));
					end if;
					if event->'claims'->'user_metadata'->>'hook' = 'break' then
						return jsonb_build_object('claims', jsonb_build_object('sub', event->>'user_id'));
					end if;
					return jsonb_set(
						jsonb_set(event, '{claims,organization_id}', to_jsonb('org-' || current_user)),
						'{claims,auth_method}', event->'authentication_method');
				end $$`);
			await db.query(
				`revoke execute on function ${schema}.custom_access_token_hook(jsonb) from public`
			);
			await db.query(
				`grant execute on function ${schema}.custom_access_token_hook(jsonb) to supabase_auth_admin`
			);
		} finally {
			await db.end();
		}
		gateway = await privateGateway({
			SITE_URL: 'http://localhost:5173',
			ADDITIONAL_REDIRECT_URLS: 'http://localhost:5173/**,http://*.localhost:5173/**',
			SUPABASE_AUTH_AUTOCONFIRM: 'false',
			SUPABASE_AUTH_HOOK_CUSTOM_ACCESS_TOKEN_URI: `pg-functions://postgres/${schema}/custom_access_token_hook`
		});
		url = gateway.url;
		mailUrl = gateway.mailUrl;
	});

	afterAll(async () => {
		await gateway?.stop();
		await sql(`drop schema if exists ${schema} cascade`);
	});

	it('adds the hook claims on password sign-in and on refresh, seen by getClaims()', async () => {
		const address = email('hook');
		await confirmedAccount(address, PASSWORD, {}, privAdmin());
		const c = client();
		expect(
			(await c.auth.signInWithPassword({ email: address, password: PASSWORD })).error
		).toBeNull();
		const { data, error } = await c.auth.getClaims();
		expect(error).toBeNull();
		expect(data?.claims.organization_id).toBe('org-supabase_auth_admin');
		expect(data?.claims.auth_method).toBe('password');
		const refreshed = await c.auth.refreshSession();
		expect(refreshed.error).toBeNull();
		expect(decodePart(refreshed.data.session!.access_token, 1)).toMatchObject({
			organization_id: 'org-supabase_auth_admin',
			auth_method: 'token_refresh'
		});
	});

	it('a hook rejection fails the sign-in with its status and message; bad output is a 500', async () => {
		const addresses: string[] = [];
		for (const [hook, status, message] of [
			['reject', 403, 'Clinic suspended'],
			['break', 500, 'output claims do not conform to the expected schema']
		] as const) {
			const address = email(`hook-${hook}`);
			addresses.push(address);
			await confirmedAccount(address, PASSWORD, { user_metadata: { hook } }, privAdmin());
			const r = await client().auth.signInWithPassword({ email: address, password: PASSWORD });
			expect(r.error?.status, hook).toBe(status);
			expect(r.error?.message, hook).toBe(message);
			expect(r.data.session, hook).toBeNull();
		}
		const rows = await sql(
			`select count(*)::int as n from auth.sessions s join auth.users u on u.id = s.user_id where u.email = any($1)`,
			[addresses]
		);
		expect(rows[0].n).toBe(0);
	});

	it('resend issues a fresh confirmation link and invalidates the previous one', async () => {
		const address = email('resend');
		expect((await client().auth.signUp({ email: address, password: PASSWORD })).error).toBeNull();
		const first = await latestMail(address, mailUrl);
		// max_frequency (60 s in config.toml): not again right away
		const early = await client().auth.resend({ type: 'signup', email: address });
		expectAuthError(early, 429, 'over_email_send_rate_limit');
		expect(early.error?.message).toMatch(
			/^For security purposes, you can only request this after (59|60) seconds\.$/
		);
		await backdate(address, 'confirmation_sent_at', 61);
		expect((await client().auth.resend({ type: 'signup', email: address })).error).toBeNull();
		const second = await latestMail(address, mailUrl);
		expect(second.token_hash).not.toBe(first.token_hash);
		const stale = await client().auth.verifyOtp({ token_hash: first.token_hash, type: 'signup' });
		expect(stale.error?.code).toBe('otp_expired');
		const fresh = await client().auth.verifyOtp({ token_hash: second.token_hash, type: 'signup' });
		expect(fresh.data.user?.email_confirmed_at).toBeTruthy();
	});

	it('PKCE signup from the ssr server client: the mailed link returns ?code= and the code signs in', async () => {
		const address = email('pkce');
		const jar = new Map<string, string>();
		const ssr = () =>
			createServerClient(url, keys.publishableKey, {
				cookies: {
					getAll: () => [...jar].map(([name, value]) => ({ name, value })),
					setAll: (cookies) => {
						for (const c of cookies) {
							if (c.options?.maxAge === 0) jar.delete(c.name);
							else jar.set(c.name, c.value);
						}
					}
				}
			});
		const signed = await ssr().auth.signUp({
			email: address,
			password: PASSWORD,
			options: { emailRedirectTo: 'http://localhost:5173/auth/confirm' }
		});
		expect(signed.error).toBeNull();
		expect(signed.data.session).toBeNull();
		const mail = await latestMail(address, mailUrl);
		expect(new URL(mail.action_link).searchParams.get('token')).toMatch(/^pkce_/);
		const res = await fetch(mail.action_link, { redirect: 'manual' });
		expect(res.status).toBe(303);
		const code = new URL(res.headers.get('location')!).searchParams.get('code');
		expect(code).toBeTruthy();
		const exchanged = await ssr().auth.exchangeCodeForSession(code!);
		expect(exchanged.error).toBeNull();
		expect(exchanged.data.user?.email).toBe(address);
		const { data } = await ssr().auth.getClaims();
		expect(data?.claims).toMatchObject({ email: address, auth_method: 'email/signup' });
	});

	it('an e-mail change mails both addresses (double_confirm_changes) and applies after both links', async () => {
		const address = email('change-old');
		const next = email('change-new');
		await confirmedAccount(address, PASSWORD, {}, privAdmin());
		const c = client();
		await c.auth.signInWithPassword({ email: address, password: PASSWORD });
		const updated = await c.auth.updateUser(
			{ email: next },
			{ emailRedirectTo: 'http://clinic-a.localhost:5173/auth/confirm?next=/dashboard' }
		);
		expect(updated.error).toBeNull();
		expect(updated.data.user?.email).toBe(address);
		expect(updated.data.user?.new_email).toBe(next);
		const toNew = await latestMail(next, mailUrl);
		const toOld = await latestMail(address, mailUrl);
		for (const [mail, sentTo] of [
			[toNew, next],
			[toOld, address]
		] as const) {
			expect(mail.type).toBe('email_change');
			expect(mail.subject).toBe('Confirm your new e-mail address');
			expect(mail.html).toContain(`This message went to ${sentTo}.`);
			// the template's link: the portal's /auth/confirm at the address asked for
			expect(linkInMail(mail)).toBe(
				`http://clinic-a.localhost:5173/auth/confirm?next=/dashboard&token_hash=${mail.token_hash}&type=email_change`
			);
		}
		// either link first: it confirms one half and gives no session
		const half = await client().auth.verifyOtp({
			token_hash: toOld.token_hash,
			type: 'email_change'
		});
		expect(half.error).toBeNull();
		expect(half.data.session).toBeNull();
		const done = await client().auth.verifyOtp({
			token_hash: toNew.token_hash,
			type: 'email_change'
		});
		expect(done.error).toBeNull();
		expect(done.data.user?.email).toBe(next);
		expect(done.data.session?.user.email).toBe(next);
	});

	it('without a redirect (or with one outside the allow-list) the link is built on the site URL', async () => {
		const u = await confirmedUser();
		await client().auth.resetPasswordForEmail(u.email, { redirectTo: 'https://evil.example.com/' });
		const mail = await latestMail(u.email, mailUrl);
		const link = new URL(linkInMail(mail));
		expect(link.href).toBe(
			`http://localhost:5173/auth/confirm?token_hash=${mail.token_hash}&type=recovery`
		);
	});

	it('signUp sends a confirmation mail instead of a session; the link confirms and signs in', async () => {
		const address = email('confirm');
		const c = client();
		const { data, error } = await c.auth.signUp({
			email: address,
			password: PASSWORD,
			options: { emailRedirectTo: 'http://localhost:5173/welcome' }
		});
		expect(error).toBeNull();
		expect(data.session).toBeNull();
		expect(data.user?.confirmation_sent_at).toBeTruthy();
		expect(
			(await c.auth.signInWithPassword({ email: address, password: PASSWORD })).error?.code
		).toBe('email_not_confirmed');
		const mail = await latestMail(address, mailUrl);
		expect(mail.type).toBe('signup');
		expect(mail.subject).toBe('Confirm your e-mail address');
		const res = await fetch(mail.action_link, { redirect: 'manual' });
		expect(res.status).toBe(303);
		const location = res.headers.get('location')!;
		expect(location.startsWith('http://localhost:5173/welcome#')).toBe(true);
		const fragment = new URLSearchParams(location.split('#')[1]);
		expect(fragment.get('type')).toBe('signup');
		expect(decodePart(fragment.get('access_token')!, 1)).toMatchObject({
			email: address,
			organization_id: 'org-supabase_auth_admin',
			auth_method: 'email/signup'
		});
		expect(
			(await client().auth.signInWithPassword({ email: address, password: PASSWORD })).error
		).toBeNull();
		// a second signUp for a confirmed address answers an obfuscated user, not an error
		const again = await client().auth.signUp({ email: address, password: PASSWORD });
		expect(again.error).toBeNull();
		expect(again.data.session).toBeNull();
		expect(again.data.user?.id).not.toBe(data.user?.id);
	});

	it("a recovery mail carries the six-digit code (its hash is the link's token hash); verifyOtp takes either", async () => {
		const u = await confirmedUser();
		await client().auth.resetPasswordForEmail(u.email);
		const mail = await latestMail(u.email, mailUrl);
		expect(mail.token_hash).toBe(
			createHash('sha224')
				.update(u.email + mail.email_otp)
				.digest('hex')
		);
		const { data, error } = await client().auth.verifyOtp({
			email: u.email,
			token: mail.email_otp,
			type: 'recovery'
		});
		expect(error).toBeNull();
		expect(data.user?.id).toBe(u.id);
	});

	it('mails a magic link to an existing user; the e-mailed code verifies as type email', async () => {
		const u = await confirmedUser();
		const sent = await client().auth.signInWithOtp({
			email: u.email,
			options: { shouldCreateUser: false }
		});
		expect(sent.error).toBeNull();
		const mail = await latestMail(u.email, mailUrl);
		expect(mail.type).toBe('magiclink');
		const { data, error } = await client().auth.verifyOtp({
			email: u.email,
			token: mail.email_otp,
			type: 'email'
		});
		expect(error).toBeNull();
		expect(data.session?.user.id).toBe(u.id);
		expect(decodePart(data.session!.access_token, 1).amr[0].method).toBe('otp');
	});

	it('PKCE recovery: the e-mailed link redirects with ?code= which the server client exchanges', async () => {
		const u = await confirmedUser();
		const jar = new Map<string, string>();
		const jarClient = (j: Map<string, string>) =>
			createServerClient(url, keys.publishableKey, {
				cookies: {
					getAll: () => [...j].map(([name, value]) => ({ name, value })),
					setAll: (cookies) => {
						for (const c of cookies) {
							if (c.options?.maxAge === 0 || c.value === '') j.delete(c.name);
							else j.set(c.name, c.value);
						}
					}
				}
			});
		const sent = await jarClient(jar).auth.resetPasswordForEmail(u.email, {
			redirectTo: 'http://clinic-a.localhost:5173/auth/confirm'
		});
		expect(sent.error).toBeNull();
		const mail = await latestMail(u.email, mailUrl);
		expect(new URL(mail.action_link).searchParams.get('token')).toMatch(/^pkce_/);
		const res = await fetch(mail.action_link, { redirect: 'manual' });
		expect(res.status).toBe(303);
		const location = new URL(res.headers.get('location')!);
		expect(location.origin + location.pathname).toBe('http://clinic-a.localhost:5173/auth/confirm');
		const code = location.searchParams.get('code');
		expect(code).toBeTruthy();
		const exchanged = await jarClient(jar).auth.exchangeCodeForSession(code!);
		expect(exchanged.error).toBeNull();
		expect(exchanged.data.session?.user.id).toBe(u.id);
		// the flow state is consumed: the same code cannot be exchanged again
		const replay = await fetch(`${url}/auth/v1/token?grant_type=pkce`, {
			headers: {
				apikey: keys.publishableKey,
				'Content-Type': 'application/json',
				'X-Supabase-Api-Version': '2024-01-01'
			},
			method: 'POST',
			body: JSON.stringify({ auth_code: code, code_verifier: 'x'.repeat(43) })
		});
		expect(replay.status).toBe(404);
		expect(((await replay.json()) as { code: string }).code).toBe('flow_state_not_found');
	});
});
