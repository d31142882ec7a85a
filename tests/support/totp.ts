/**
 * Two-factor sign-in for tests: codes computed as an authenticator app would (RFC 6238 with
 * `otpauth`, never fixed codes), the secret of a person's verified factor read back from Auth's
 * table (as `postgres`; GoTrue keeps it there), and raising a supabase-js session to aal2 the way
 * the portal does (enrolling first when the person has no factor yet).
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import { Secret, TOTP } from 'otpauth';
import { sql } from './stack.ts';

/** The code an authenticator app shows for a base32 secret (spaces allowed), `steps` periods away. */
export function totpCode(secret: string, steps = 0): string {
	return new TOTP({
		secret: Secret.fromBase32(secret.replace(/\s+/g, '')),
		algorithm: 'SHA1',
		digits: 6,
		period: 30
	}).generate({ timestamp: Date.now() + steps * 30_000 });
}

/** A six-digit code that no window Auth accepts right now for this secret. */
export function wrongCode(secret: string): string {
	const valid = new Set([-1, 0, 1].map((s) => totpCode(secret, s)));
	let n = Number(totpCode(secret));
	let candidate: string;
	do {
		n = (n + 1) % 1_000_000;
		candidate = String(n).padStart(6, '0');
	} while (valid.has(candidate));
	return candidate;
}

type Query = (sql: string, params: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

/** As `postgres` on a connection of its own, unless the caller brings its own (another database). */
const ownConnection: Query = async (text, values) => ({ rows: await sql(text, values) });

/** The `secret` column of the first row a query over auth.mfa_factors returns (null without one). */
async function secretOf(text: string, values: unknown[], query: Query = ownConnection) {
	return ((await query(text, values)).rows[0]?.secret as string | undefined) ?? null;
}

/** The secret of a person's newest verified TOTP factor (null without one). */
export function verifiedSecret(email: string, query?: Query): Promise<string | null> {
	return secretOf(
		`select f.secret from auth.mfa_factors f join auth.users u on u.id = f.user_id
		  where u.email = $1 and f.status = 'verified' and f.factor_type = 'totp'
		  order by f.created_at desc limit 1`,
		[email],
		query
	);
}

/** The secret of one factor (by id), as Auth keeps it. */
export function factorSecret(factorId: string, query?: Query): Promise<string | null> {
	return secretOf(`select f.secret from auth.mfa_factors f where f.id = $1`, [factorId], query);
}

/**
 * Raises a signed-in supabase-js session to aal2: answers a code for one of the person's verified
 * factors, or enrols one first (what an admin does at their first sign-in). Returns its secret.
 */
export async function raiseToAal2(
	client: SupabaseClient,
	email: string,
	query?: Query
): Promise<string> {
	const { data: factors, error } = await client.auth.mfa.listFactors();
	if (error) throw error;
	const existing = factors.totp[0];
	let factorId: string;
	let secret: string | null;
	if (existing) {
		factorId = existing.id;
		secret = await factorSecret(existing.id, query);
		if (!secret) throw new Error(`no secret for ${email}'s factor`);
	} else {
		const { data, error: enrollError } = await client.auth.mfa.enroll({
			factorType: 'totp',
			friendlyName: 'Test authenticator'
		});
		if (enrollError) throw enrollError;
		factorId = data.id;
		secret = data.totp.secret;
	}
	const { error: verifyError } = await client.auth.mfa.challengeAndVerify({
		factorId,
		code: totpCode(secret)
	});
	if (verifyError) throw verifyError;
	return secret;
}

/**
 * After a password sign-in: raises the session to aal2 when the access token hook says the person
 * needs it (`two_factor_required`: admins, platform admins, people with a factor, staff of a clinic
 * that requires it), as the portal sends them to the code step. Others keep their aal1 session.
 */
export async function meetTwoFactor(
	client: SupabaseClient,
	email: string,
	query?: Query
): Promise<void> {
	const { data, error } = await client.auth.getClaims();
	if (error || !data) throw new Error(`getClaims: ${error?.message}`);
	if ((data.claims as Record<string, unknown>).two_factor_required === true) {
		await raiseToAal2(client, email, query);
	}
}
