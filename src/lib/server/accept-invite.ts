/**
 * The invitee's side of an invitation at /accept-invite (the person accepting, signed in as the
 * invited address).
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '$lib/database.types';
import type { Role } from '$lib/roles';
import { myOrganizations } from './active-organization';
import { refusalOf, refuse, type Result } from './refusals';

type Db = SupabaseClient<Database>;

/**
 * The newest pending invitation addressed to the caller (RLS shows invitees only their own). The
 * invitee cannot read the clinic's row yet, so the host's branding names the clinic.
 */
export async function pendingInvitationHere({
	supabase
}: {
	supabase: Db;
}): Promise<{ role: Role; expiresAt: string; expired: boolean } | null> {
	const { data, error } = await supabase
		.from('invitations')
		.select('role, expires_at')
		.eq('status', 'pending')
		.order('created_at', { ascending: false })
		.limit(1)
		.maybeSingle();
	if (error) throw new Error(`invitations: ${error.message}`);
	if (!data) return null;
	return {
		role: data.role,
		expiresAt: data.expires_at,
		expired: Date.parse(data.expires_at) <= Date.now()
	};
}

/**
 * Accepts the caller's invitation to the clinic `slug` (the database matches the verified e-mail,
 * the clinic, pending and unexpired, and a free seat), then refreshes the session so the token
 * names this clinic.
 */
export async function acceptInvitation({
	supabase,
	slug
}: {
	supabase: Db;
	slug: string;
}): Promise<Result<{ hasOtherClinics: boolean }>> {
	const { error } = await supabase.rpc('accept_invitation', { org_slug: slug });
	// One button: every refusal is shown next to it.
	if (error) return refusalOf(error, { otherwise: 'accept' });
	const { error: refreshError } = await supabase.auth.refreshSession();
	if (refreshError) return refuse(refreshError.message, { field: 'accept' });
	const orgs = await myOrganizations(supabase);
	return { ok: true, hasOtherClinics: orgs.length > 1 };
}
