/**
 * Two-factor recovery from the platform console, with the platform admin's own client (the
 * database checks a live platform admin with an aal2 session and records every reset in the
 * platform trail and the clinic's own).
 */
import type { Db } from '../db';
import type { Database } from '$lib/database.types';
import { refusalOf, type Result } from '../refusals';
import { readOrThrow } from '../reads';

export type ClinicAdmin =
	Database['public']['Functions']['platform_clinic_admins']['Returns'][number];

/** A clinic's administrators and whether each has set up two-factor sign-in. */
export async function clinicAdmins(opts: {
	supabase: Db;
	organizationId: string;
}): Promise<ClinicAdmin[]> {
	const data = await readOrThrow(
		'platform_clinic_admins',
		opts.supabase.rpc('platform_clinic_admins', {
			organization_id: opts.organizationId
		})
	);
	return data ?? [];
}

/** Removes a clinic administrator's authenticators and ends their sessions (audited). */
export async function resetAdminTwoFactor(opts: {
	supabase: Db;
	organizationId: string;
	userId: string;
}): Promise<Result<{ removed: number }>> {
	const { data, error } = await opts.supabase.rpc('platform_reset_two_factor', {
		organization_id: opts.organizationId,
		user_id: opts.userId
	});
	if (error) return refusalOf(error, { otherwise: 'userId' });
	return { ok: true, removed: data ?? 0 };
}
