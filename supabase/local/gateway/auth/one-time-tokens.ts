/**
 * One-time tokens behind e-mail links and codes (`token_hash = hex(sha224(email + otp))`,
 * `pkce_`-prefixed for PKCE flows) and the PKCE flow state a later `?code=` exchange completes.
 */
import { createHash, randomInt, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { validationFailed } from './errors.ts';

export type OttType =
	'confirmation_token' | 'recovery_token' | 'email_change_token_new' | 'email_change_token_current';

const OTT_COLUMNS: Record<OttType, [string, string]> = {
	confirmation_token: ['confirmation_token', 'confirmation_sent_at'],
	recovery_token: ['recovery_token', 'recovery_sent_at'],
	email_change_token_new: ['email_change_token_new', 'email_change_sent_at'],
	email_change_token_current: ['email_change_token_current', 'email_change_sent_at']
};

export function sha224Hex(s: string): string {
	return createHash('sha224').update(s).digest('hex');
}

export function generateOtp(): string {
	return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/**
 * Creates (replacing any previous one of the same type) the token behind an e-mail link:
 * `token_hash = hex(sha224(email + otp))`, `pkce_`-prefixed for PKCE flows.
 */
export async function createOneTimeToken(
	db: pg.ClientBase,
	userId: string,
	type: OttType,
	email: string,
	pkce = false
): Promise<{ otp: string; tokenHash: string }> {
	const otp = generateOtp();
	const tokenHash = `${pkce ? 'pkce_' : ''}${sha224Hex(email + otp)}`;
	const [col, sentCol] = OTT_COLUMNS[type];
	await db.query(
		`update auth.users set ${col} = $2, ${sentCol} = now(), updated_at = now() where id = $1`,
		[userId, tokenHash]
	);
	await db.query(
		`insert into auth.one_time_tokens (id, user_id, token_type, token_hash, relates_to, created_at, updated_at)
		values ($1, $2, $3, $4, $5, now(), now())
		on conflict (user_id, token_type) do update
			set token_hash = excluded.token_hash, relates_to = excluded.relates_to, created_at = now(), updated_at = now()`,
		[randomUUID(), userId, type, tokenHash, email]
	);
	return { otp, tokenHash };
}

export async function clearOneTimeToken(db: pg.ClientBase, userId: string, type: OttType) {
	const [col] = OTT_COLUMNS[type];
	await db.query(`update auth.users set ${col} = '' where id = $1`, [userId]);
	await db.query(`delete from auth.one_time_tokens where user_id = $1 and token_type = $2`, [
		userId,
		type
	]);
}

/** Creates the PKCE flow state a later `?code=` exchange completes (GoTrue generateFlowState). */
export async function createFlowState(
	db: pg.ClientBase,
	userId: string,
	method: string,
	codeChallenge: string,
	codeChallengeMethod: string
) {
	const m = codeChallengeMethod.toLowerCase();
	if (m !== 's256' && m !== 'plain') throw validationFailed('code challenge method not supported');
	await db.query(
		`insert into auth.flow_state (id, user_id, auth_code, code_challenge_method, code_challenge,
			provider_type, created_at, updated_at, authentication_method)
		values ($1, $2, $3, $4, $5, 'email', now(), now(), $6)`,
		[randomUUID(), userId, randomUUID(), m, codeChallenge, method]
	);
}
