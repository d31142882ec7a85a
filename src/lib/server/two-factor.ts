/**
 * Two-factor sign-in for the person signed in (docs/security.md, "Assurance levels"): Supabase
 * Auth's TOTP factors through the person's own client (`auth.mfa`), the rule for who must present a
 * second factor, and the words the portal uses to explain it. Postgres enforces the rule itself
 * (restrictive policies read `aal` from the JWT); the portal only sends people to the right step
 * instead of showing them empty pages.
 */
import type { AuthError, Factor } from '@supabase/supabase-js';
import { TOTP, URI } from 'otpauth';
import QRCode from 'qrcode';
import type { VerifiedClaims } from '../../app';
import type { EnrolmentSetup } from '$lib/schemas/two-factor';
import { DONE, refuse, type Refusal, type Result } from './refusals';
import { readOrThrow } from './reads';
import type { Db } from './db';

/** What authenticator apps show as the account's issuer (the factor is the person's, for every clinic). */
export const TOTP_ISSUER = 'Clinic portal';

/**
 * From the verified claims alone (no round trip): the person needs a second factor (the access
 * token hook's `two_factor_required`: they have one, administer a clinic or the platform, or work
 * at a clinic that requires it) and this session has not presented one yet.
 */
export function needsSecondFactor(claims: VerifiedClaims): boolean {
	return claims.two_factor_required === true && claims.aal !== 'aal2';
}

/** The sign-in step that asks for the code (or sends to enrolment), coming back to `url`. */
export function secondFactorStep(url: URL): string {
	return `/sign-in/two-factor?redirectTo=${encodeURIComponent(url.pathname + url.search)}`;
}

/** A clinic as `my_organizations` lists it, as far as two-factor sign-in is concerned. */
export interface ClinicRequirement {
	name: string;
	role: string;
	require_two_factor: boolean;
}

/**
 * Why this person must use two-factor sign-in, one sentence per reason (the same rule as
 * private.aal2_required, minus "already has a factor"): empty when nothing requires it.
 */
export function requirementReasons(opts: {
	clinics: readonly ClinicRequirement[];
	platformAdmin: boolean;
}): string[] {
	const reasons = opts.platformAdmin ? ['Platform administrators need two-factor sign-in.'] : [];
	for (const c of opts.clinics) {
		if (c.require_two_factor) reasons.push(`${c.name} requires two-factor sign-in for all staff.`);
		else if (c.role === 'admin')
			reasons.push(`As an administrator of ${c.name}, you need two-factor sign-in.`);
	}
	return reasons;
}

/** The person's TOTP factors (Auth's user object: one request to Auth). */
export async function myFactors(
	supabase: Db
): Promise<{ verified: Factor[]; unverified: Factor[] }> {
	const data = await readOrThrow('listFactors', supabase.auth.mfa.listFactors());
	const totp = data.all.filter((f) => f.factor_type === 'totp');
	return {
		verified: totp.filter((f) => f.status === 'verified'),
		unverified: totp.filter((f) => f.status !== 'verified')
	};
}

const WRONG_CODE =
	'That code is wrong or has expired. Enter the code your app shows now (it changes every 30 seconds).';

/** Auth's MFA answers (docs/local-runtime.md, "Auth: MFA") as messages next to the right field. */
export function mfaRefusal(error: AuthError, field = 'code'): Refusal {
	switch (error.code) {
		case 'mfa_verification_failed':
			return refuse(WRONG_CODE, { field });
		case 'mfa_challenge_expired':
			return refuse('This step took too long and expired. Enter the code your app shows now.', {
				field
			});
		case 'over_request_rate_limit':
			return refuse('Too many attempts. Wait a minute, then try again.', { field, status: 429 });
		case 'mfa_factor_not_found':
			return refuse('That authenticator is no longer set up for your account. Reload the page.', {
				field,
				status: 404
			});
		case 'insufficient_aal':
			return refuse('Enter a code from the authenticator you already have first.', {
				field,
				status: 403
			});
		case 'mfa_factor_name_conflict':
			return refuse('You already have an authenticator with this name. Choose another name.', {
				field: 'friendlyName',
				status: 409
			});
		case 'too_many_enrolled_mfa_factors':
			return refuse('You have as many authenticators as allowed. Remove one first.', {
				field: 'friendlyName',
				status: 409
			});
		case 'session_not_found':
		case 'no_authorization':
			return refuse('Your session has ended. Sign in again.', { status: 401 });
		default:
			return refuse('Two-factor sign-in is unavailable right now. Try again in a moment.', {
				field
			});
	}
}

/**
 * Verifies a code for one of the person's factors (a new challenge and its verification): on
 * success Auth issues an aal2 session, which @supabase/ssr writes to the cookies.
 */
export async function verifyCode(opts: {
	supabase: Db;
	factorId: string;
	code: string;
}): Promise<Result> {
	const { error } = await opts.supabase.auth.mfa.challengeAndVerify({
		factorId: opts.factorId,
		code: opts.code
	});
	return error ? mfaRefusal(error) : DONE;
}

/**
 * The setup shown for an otpauth:// URI Auth returned (again after a wrong first code): the URI
 * must be a TOTP key URI (parsed by `otpauth`); null otherwise.
 */
export async function setupFromUri(factorId: string, uri: string): Promise<EnrolmentSetup | null> {
	let otp: ReturnType<typeof URI.parse>;
	try {
		otp = URI.parse(uri);
	} catch {
		return null;
	}
	if (!(otp instanceof TOTP)) return null;
	const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
	return {
		factorId,
		uri,
		secret: otp.secret.base32.replace(/(.{4})/g, '$1 ').trim(),
		qrCode: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`
	};
}

/**
 * Starts enrolling an authenticator app: earlier unfinished enrolments are removed first (they
 * would hold their name and count against the limit), then Auth creates an unverified factor.
 */
export async function startEnrolment(opts: {
	supabase: Db;
	friendlyName: string;
}): Promise<Result<{ setup: EnrolmentSetup }>> {
	const { unverified } = await myFactors(opts.supabase);
	for (const f of unverified) {
		const { error } = await opts.supabase.auth.mfa.unenroll({ factorId: f.id });
		if (error) return mfaRefusal(error, 'friendlyName');
	}
	const { data, error } = await opts.supabase.auth.mfa.enroll({
		factorType: 'totp',
		friendlyName: opts.friendlyName,
		issuer: TOTP_ISSUER
	});
	if (error) return mfaRefusal(error, 'friendlyName');
	const setup = await setupFromUri(data.id, data.totp.uri);
	if (!setup) throw new Error('enroll returned a URI that is not a TOTP key URI');
	return { ok: true, setup };
}

/**
 * Removes one of the person's authenticators after a fresh code from it, then refreshes the
 * session so that its next token shows the level Auth now gives it.
 */
export async function removeFactor(opts: {
	supabase: Db;
	factorId: string;
	code: string;
}): Promise<Result> {
	const verified = await verifyCode(opts);
	if (!verified.ok) return verified;
	const { error } = await opts.supabase.auth.mfa.unenroll({ factorId: opts.factorId });
	if (error) return mfaRefusal(error);
	const { error: refreshError } = await opts.supabase.auth.refreshSession();
	if (refreshError) return mfaRefusal(refreshError);
	return DONE;
}
