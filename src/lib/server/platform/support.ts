/**
 * Support access: a platform admin enters one clinic READ-ONLY, for a stated reason and a time
 * limit (supabase/migrations/20261124960000_create_support_access.sql). Every call uses the
 * signed-in person's own client: the RPCs re-check platform_admins in Postgres, write the grant,
 * and record the access in the clinic's audit_log and in platform_audit_log. The grant is checked
 * live by the read policies on every statement; it is never carried in a claim.
 */
import type { Db } from '../db';
import { z } from 'zod';
import { text } from '$lib/schemas/text';
import type { Database } from '$lib/database.types';
import { written, type Result } from '../refusals';
import { readOrThrow } from '../reads';

export type SupportAccess = Database['public']['Functions']['my_support_access']['Returns'][number];

export const SUPPORT_MINUTES = [15, 30, 60, 120] as const;

/** The start form: why (10-500 characters) and for how long (15-120 minutes). */
export const startSupportSchema = z.object({
	reason: text()
		.trim()
		.min(10, { error: 'State the reason for the access (at least 10 characters).' })
		.max(500, { error: 'Use at most 500 characters.' }),
	minutes: z
		.number({ error: 'Choose between 15 and 120 minutes.' })
		.int()
		.min(15, { error: 'Choose between 15 and 120 minutes.' })
		.max(120, { error: 'Choose between 15 and 120 minutes.' })
		.default(30)
});
export type StartSupportInput = z.infer<typeof startSupportSchema>;

/** The caller's live support access (not ended, not expired), or null. */
export async function activeSupportAccess(opts: { supabase: Db }): Promise<SupportAccess | null> {
	const data = await readOrThrow(
		'my_support_access failed',
		opts.supabase.rpc('my_support_access')
	);
	return data?.[0] ?? null;
}

/**
 * Opens read-only support access to a clinic (ending any previous one); a refusal goes next to
 * the field the database names in its HINT, or the reason.
 */
export async function startSupportAccess(opts: {
	supabase: Db;
	organizationId: string;
	input: StartSupportInput;
}): Promise<Result> {
	return written(
		opts.supabase.rpc('start_support_access', {
			organization_id: opts.organizationId,
			reason: opts.input.reason,
			minutes: opts.input.minutes
		}),
		{
			fields: { reason: 'reason', minutes: 'minutes' },
			otherwise: 'reason'
		}
	);
}

/** Ends the caller's open support access now (recorded in both trails). */
export async function endSupportAccess(opts: { supabase: Db }): Promise<void> {
	const { error } = await opts.supabase.rpc('end_support_access');
	if (error) throw new Error(`end_support_access failed: ${error.message}`);
}

/**
 * A one-time code carrying the current session to the clinic's address (the handoff accepts a
 * live support grant), or null when the session has no refresh token or the handoff is refused.
 */
export async function supportHandoffCode(opts: {
	supabase: Db;
	slug: string;
}): Promise<string | null> {
	const { data: session } = await opts.supabase.auth.getSession();
	const refreshToken = session.session?.refresh_token;
	if (!refreshToken) return null;
	const { data, error } = await opts.supabase.rpc('create_session_handoff', {
		slug: opts.slug,
		refresh_token: refreshToken
	});
	if (error || !data) return null;
	return data;
}

/** The banner's wording of who, until when (the page formats the time) and why. */
export function supportBanner(access: SupportAccess) {
	return {
		by: access.platform_admin_name ?? access.platform_admin_email,
		expiresAt: access.expires_at,
		reason: access.reason
	};
}
