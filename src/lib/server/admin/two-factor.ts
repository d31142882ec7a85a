/**
 * Two-factor sign-in in the clinic admin console, with the admin's own client: who has set it up,
 * the clinic's requirement for all staff, and resetting a staff member's authenticators. The
 * database decides (an aal2 admin of the active clinic; audited): these shape answers only.
 */
import type { Db } from '../db';
import { refusalOf, written, type Result } from '../refusals';

/**
 * The clinic's "require two-factor sign-in for all staff" and how many active staff have it, in one
 * request: the clinic's row with its active memberships and their computed field `two_factor`
 * (migration 20261124900000_require_two_factor.sql, section 4).
 */
export async function twoFactorRequirement({
	supabase,
	organizationId
}: {
	supabase: Db;
	organizationId: string;
}): Promise<{ required: boolean; enrolled: number; staff: number }> {
	const { data: org, error } = await supabase
		.from('organizations')
		.select('require_two_factor, memberships(id, two_factor)')
		.eq('id', organizationId)
		.eq('memberships.status', 'active')
		.maybeSingle();
	if (error) throw new Error(`organizations: ${error.message}`);
	const active = org?.memberships ?? [];
	return {
		required: org?.require_two_factor ?? false,
		enrolled: active.filter((m) => m.two_factor === true).length,
		staff: active.length
	};
}

/** Turns the clinic's requirement on or off (audited in the clinic's trail when it changes). */
export async function setTwoFactorRequirement({
	supabase,
	required
}: {
	supabase: Db;
	required: boolean;
}): Promise<Result> {
	return written(supabase.rpc('set_two_factor_requirement', { required }), {
		otherwise: 'required'
	});
}

/**
 * Removes a staff member's authenticators and ends their sessions (audited). The database refuses
 * admins, people who also work elsewhere and oneself (the platform resets those), and answers
 * another clinic's membership exactly like an unknown one.
 */
export async function resetMemberTwoFactor({
	supabase,
	membershipId
}: {
	supabase: Db;
	membershipId: string;
}): Promise<Result<{ removed: number }>> {
	const { data, error } = await supabase.rpc('reset_member_two_factor', {
		membership_id: membershipId
	});
	if (error) return refusalOf(error, { otherwise: 'membershipId' });
	return { ok: true, removed: data ?? 0 };
}
