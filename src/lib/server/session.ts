/**
 * Making the host's clinic the active organization of a signed-in person: the JWT names one
 * organization at a time (custom access token hook); switching is recorded in the database and
 * reaches the token at the next refresh, which we trigger at once.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '$lib/database.types';

export type MyOrganization = Database['public']['Functions']['my_organizations']['Returns'][number];

export async function myOrganizations(
	supabase: SupabaseClient<Database>
): Promise<MyOrganization[]> {
	const { data, error } = await supabase.rpc('my_organizations');
	if (error) throw new Error(`my_organizations failed: ${error.message}`);
	return data ?? [];
}

/**
 * Activates `organizationId` for the signed-in person and refreshes the session so the new
 * `organization_id`/`org_role` claims are in the cookie for the next request.
 */
export async function activateOrganization(
	supabase: SupabaseClient<Database>,
	organizationId: string
): Promise<{ ok: true } | { ok: false; message: string }> {
	const { error } = await supabase.rpc('switch_organization', { org_id: organizationId });
	if (error) return { ok: false, message: error.message };
	const { error: refreshError } = await supabase.auth.refreshSession();
	if (refreshError) return { ok: false, message: refreshError.message };
	return { ok: true };
}
