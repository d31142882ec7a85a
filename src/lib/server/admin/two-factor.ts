/**
 * Two-factor sign-in in the clinic admin console, with the admin's own client: who has set it up,
 * the clinic's requirement for all staff, and resetting a staff member's authenticators. The
 * database decides (an aal2 admin of the active clinic; audited): these shape answers only.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '$lib/database.types';
import { DONE, refusalOf, type Result } from '../refusals';

type Db = SupabaseClient<Database>;

/** Membership id → whether that person has a verified factor (the admin's clinic only). */
export async function staffTwoFactor({
	supabase
}: {
	supabase: Db;
}): Promise<Map<string, boolean>> {
	const { data, error } = await supabase.rpc('staff_two_factor');
	if (error) throw new Error(`staff_two_factor: ${error.message}`);
	return new Map((data ?? []).map((r) => [r.membership_id, r.two_factor]));
}

/** The clinic's "require two-factor sign-in for all staff" and how many active staff have it. */
export async function twoFactorRequirement({
	supabase,
	organizationId
}: {
	supabase: Db;
	organizationId: string;
}): Promise<{ required: boolean; enrolled: number; staff: number }> {
	const [{ data: org, error }, { data: members, error: membersError }, status] = await Promise.all([
		supabase
			.from('organizations')
			.select('require_two_factor')
			.eq('id', organizationId)
			.maybeSingle(),
		supabase
			.from('memberships')
			.select('id')
			.eq('organization_id', organizationId)
			.eq('status', 'active'),
		staffTwoFactor({ supabase })
	]);
	if (error) throw new Error(`organizations: ${error.message}`);
	if (membersError) throw new Error(`memberships: ${membersError.message}`);
	const active = members ?? [];
	return {
		required: org?.require_two_factor ?? false,
		enrolled: active.filter((m) => status.get(m.id)).length,
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
	const { error } = await supabase.rpc('set_two_factor_requirement', { required });
	return error ? refusalOf(error, { otherwise: 'required' }) : DONE;
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
