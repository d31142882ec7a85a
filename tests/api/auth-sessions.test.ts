/**
 * Ending sessions, as Supabase Auth does it (docs/local-runtime.md, "Auth: ending sessions"):
 * `POST /logout?scope=global|local|others` from the user and through the admin API (service
 * role), and rows deleted from `auth.sessions` by the database (as a trigger ending a removed
 * member's sessions would). An ended session's refresh token stops working at once and its access
 * token is refused by Auth (403 `session_not_found`), while the Data API keeps accepting it until
 * it expires.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Session, SupabaseClient } from '@supabase/supabase-js';
import { API_URL, keys, serviceClient, sql, uniqueEmail } from '../support/stack.ts';
import { clientAt, randomLoopback } from '../support/auth-gateway.ts';
import { deleteUsers } from '../support/people.ts';
import { confirmedAccount } from './accounts.ts';

const PASSWORD = 'Session-password-1';
const admin = serviceClient();
const createdIds: string[] = [];

afterAll(async () => {
	await deleteUsers({ ids: createdIds });
});

const sessionId = (s: Session) =>
	JSON.parse(Buffer.from(s.access_token.split('.')[1], 'base64url').toString()).session_id;

/** One person signed in three times (three devices), each from an address of its own. */
async function threeSessions() {
	const email = uniqueEmail('sessions');
	const { id } = await confirmedAccount(email, PASSWORD);
	createdIds.push(id);
	const devices: { client: SupabaseClient; session: Session }[] = [];
	for (let i = 0; i < 3; i++) {
		const client = clientAt(API_URL, randomLoopback());
		const signed = await client.auth.signInWithPassword({ email, password: PASSWORD });
		if (signed.error) throw signed.error;
		devices.push({ client, session: signed.data.session });
	}
	return { id, devices };
}

/** What Auth says to `/user` with this access token: status and error code. */
async function userAnswer(accessToken: string) {
	const res = await fetch(`${API_URL}/auth/v1/user`, {
		headers: {
			apikey: keys.publishableKey,
			Authorization: `Bearer ${accessToken}`,
			'X-Supabase-Api-Version': '2024-01-01'
		}
	});
	const body = (await res.json()) as { code?: string; message?: string; id?: string };
	return { status: res.status, code: body.code ?? null, message: body.message ?? null };
}

async function refreshAnswer(refreshToken: string) {
	const { data, error } = await clientAt(API_URL, randomLoopback()).auth.refreshSession({
		refresh_token: refreshToken
	});
	return error
		? { status: error.status, code: error.code, message: error.message }
		: { status: 200, code: null, message: data.session ? 'refreshed' : null };
}

const ENDED_USER = {
	status: 403,
	code: 'session_not_found',
	message: 'Session from session_id claim in JWT does not exist'
};
const ENDED_REFRESH = {
	status: 400,
	code: 'refresh_token_not_found',
	message: 'Invalid Refresh Token: Refresh Token Not Found'
};
const ALIVE_USER = { status: 200, code: null, message: null };
const ALIVE_REFRESH = { status: 200, code: null, message: 'refreshed' };

async function states(devices: { session: Session }[]) {
	const out = [];
	for (const d of devices) {
		out.push({
			user: await userAnswer(d.session.access_token),
			refresh: await refreshAnswer(d.session.refresh_token)
		});
	}
	return out;
}

async function remainingTokens(userId: string) {
	const [row] = await sql<{ sessions: number; tokens: number }>(
		`select (select count(*)::int from auth.sessions where user_id = $1) as sessions,
		        (select count(*)::int from auth.refresh_tokens where user_id = $1::text) as tokens`,
		[userId]
	);
	return row;
}

describe('signOut by the user', () => {
	it('global ends every session of the person at once: refresh tokens gone, /user 403', async () => {
		const { id, devices } = await threeSessions();
		expect((await devices[0].client.auth.signOut({ scope: 'global' })).error).toBeNull();
		expect(await remainingTokens(id)).toEqual({ sessions: 0, tokens: 0 });
		expect(await states(devices)).toEqual([
			{ user: ENDED_USER, refresh: ENDED_REFRESH },
			{ user: ENDED_USER, refresh: ENDED_REFRESH },
			{ user: ENDED_USER, refresh: ENDED_REFRESH }
		]);
		// the Data API checks signature and expiry only: an ended session's access token still
		// passes there until it expires (policies must check live membership themselves)
		const rest = await fetch(`${API_URL}/rest/v1/profiles?select=id`, {
			headers: {
				apikey: keys.publishableKey,
				Authorization: `Bearer ${devices[0].session.access_token}`
			}
		});
		expect(rest.status).toBe(200);
	});

	it('local ends only this session; others ends all but this one', async () => {
		const a = await threeSessions();
		expect((await a.devices[0].client.auth.signOut({ scope: 'local' })).error).toBeNull();
		const afterLocal = await states(a.devices);
		expect(afterLocal[0]).toEqual({ user: ENDED_USER, refresh: ENDED_REFRESH });
		expect(afterLocal.slice(1)).toEqual([
			{ user: ALIVE_USER, refresh: ALIVE_REFRESH },
			{ user: ALIVE_USER, refresh: ALIVE_REFRESH }
		]);

		const b = await threeSessions();
		expect((await b.devices[0].client.auth.signOut({ scope: 'others' })).error).toBeNull();
		expect((await states(b.devices.slice(1))).map((s) => s.user)).toEqual([ENDED_USER, ENDED_USER]);
		expect(await userAnswer(b.devices[0].session.access_token)).toEqual(ALIVE_USER);
	});

	it('an ended session cannot sign out again: 403 session_not_found (supabase-js ignores it)', async () => {
		const { devices } = await threeSessions();
		const token = devices[0].session.access_token;
		await devices[0].client.auth.signOut({ scope: 'local' });
		const res = await fetch(`${API_URL}/auth/v1/logout?scope=global`, {
			method: 'POST',
			headers: {
				apikey: keys.publishableKey,
				Authorization: `Bearer ${token}`,
				'X-Supabase-Api-Version': '2024-01-01'
			}
		});
		expect(res.status).toBe(403);
		expect(res.headers.get('x-sb-error-code')).toBe('session_not_found');
		// the person's other sessions were not touched by the refused request
		expect(await userAnswer(devices[1].session.access_token)).toEqual(ALIVE_USER);
	});
});

describe('signOut through the admin API (service role)', () => {
	it('admin.signOut(jwt) ends the person’s sessions (global by default) at once', async () => {
		const { id, devices } = await threeSessions();
		const { error } = await admin.auth.admin.signOut(devices[1].session.access_token);
		expect(error).toBeNull();
		expect(await remainingTokens(id)).toEqual({ sessions: 0, tokens: 0 });
		expect((await states(devices)).every((s) => s.refresh.code === 'refresh_token_not_found')).toBe(
			true
		);
	});

	it('admin.signOut(jwt, "local" | "others") follows the scope', async () => {
		const { devices } = await threeSessions();
		expect(
			(await admin.auth.admin.signOut(devices[0].session.access_token, 'local')).error
		).toBeNull();
		expect((await states(devices)).map((s) => s.user)).toEqual([
			ENDED_USER,
			ALIVE_USER,
			ALIVE_USER
		]);
		expect(
			(await admin.auth.admin.signOut(devices[1].session.access_token, 'others')).error
		).toBeNull();
		expect(await userAnswer(devices[1].session.access_token)).toEqual(ALIVE_USER);
		expect(await userAnswer(devices[2].session.access_token)).toEqual(ENDED_USER);
	});
});

describe('sessions ended by the database', () => {
	it('deleting auth.sessions rows (as a trigger would) ends them for Auth at once', async () => {
		const { id, devices } = await threeSessions();
		const ended = sessionId(devices[0].session);
		await sql(`delete from auth.sessions where id = $1`, [ended]);
		// refresh tokens go with their session (GoTrue's foreign key cascades)
		expect(await sql(`select 1 from auth.refresh_tokens where session_id = $1`, [ended])).toEqual(
			[]
		);
		const s = await states(devices);
		expect(s[0]).toEqual({ user: ENDED_USER, refresh: ENDED_REFRESH });
		expect(s[1].user).toEqual(ALIVE_USER);

		await sql(`delete from auth.sessions where user_id = $1`, [id]);
		expect((await states(devices.slice(1))).map((x) => x.refresh)).toEqual([
			ENDED_REFRESH,
			ENDED_REFRESH
		]);
	});

	it('revoking refresh tokens without deleting the session is not enough right away (GoTrue’s reuse interval)', async () => {
		const { devices } = await threeSessions();
		const sid = sessionId(devices[0].session);
		await sql(
			`update auth.refresh_tokens set revoked = true, updated_at = now() where session_id = $1`,
			[sid]
		);
		// within the 10 s reuse interval Auth still rotates a revoked token, and /user accepts the session
		expect((await refreshAnswer(devices[0].session.refresh_token)).status).toBe(200);
		expect(await userAnswer(devices[0].session.access_token)).toEqual(ALIVE_USER);
		// past it, a revoked token is refused (and its session's tokens revoked)
		await sql(
			`update auth.refresh_tokens set revoked = true, updated_at = now() - interval '1 minute' where session_id = $1`,
			[sid]
		);
		expect(await refreshAnswer(devices[0].session.refresh_token)).toEqual({
			status: 400,
			code: 'refresh_token_already_used',
			message: 'Invalid Refresh Token: Already Used'
		});
	});

	it('a banned person’s refresh is refused with user_banned', async () => {
		const { id, devices } = await threeSessions();
		// a ban (admin ban_duration or SQL) ends no session; refresh refuses the banned person
		await sql(`update auth.users set banned_until = now() + interval '1 hour' where id = $1`, [id]);
		expect(await refreshAnswer(devices[0].session.refresh_token)).toEqual({
			status: 400,
			code: 'user_banned',
			message: 'Invalid Refresh Token: User Banned'
		});
		// GoTrue's /user does not look at bans: the live session's user is still answered
		expect(await userAnswer(devices[0].session.access_token)).toEqual(ALIVE_USER);
	});
});
