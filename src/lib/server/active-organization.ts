/**
 * The clinics a signed-in person works at and which one is active: the JWT names one organization
 * at a time (custom access token hook); switching is recorded in the database and reaches the
 * token at the next refresh, which is triggered at once. Form actions, which run before any
 * layout's load, ask `actingMember` who is acting at the host's clinic.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '$lib/database.types';
import { DONE, refuse, type Result } from './refusals';
import { readOrThrow } from './reads';

export type MyOrganization = Database['public']['Functions']['my_organizations']['Returns'][number];

export async function myOrganizations(
	supabase: SupabaseClient<Database>
): Promise<MyOrganization[]> {
	const data = await readOrThrow('my_organizations failed', supabase.rpc('my_organizations'));
	return data ?? [];
}

/**
 * Activates `organizationId` for the signed-in person and refreshes the session so the new
 * `organization_id`/`org_role` claims are in the cookie for the next request.
 */
export async function activateOrganization(
	supabase: SupabaseClient<Database>,
	organizationId: string
): Promise<Result> {
	const { error } = await supabase.rpc('switch_organization', { org_id: organizationId });
	if (error) return refuse(error.message, { status: 403 });
	const { error: refreshError } = await supabase.auth.refreshSession();
	if (refreshError) return refuse(refreshError.message, { status: 403 });
	return DONE;
}

/**
 * For actions: the caller's live membership at the host's clinic (role from the database, not the
 * token), with the token's active clinic being this one. A write with a token for another clinic
 * would land there (RLS follows the token), so it is refused with a request to reload.
 */
export async function actingMember(
	locals: App.Locals
): Promise<Result<{ userId: string; member: MyOrganization }>> {
	const claims = await locals.safeGetClaims();
	if (!claims) return refuse('Sign in again.', { status: 401 });
	const slug = locals.branding?.slug;
	// this request's context (hooks.server.ts) already holds the caller's clinics: no second call
	const clinics = locals.context?.clinics ?? (await myOrganizations(locals.supabase));
	const member = clinics.find((o) => o.slug === slug);
	if (!member) return refuse('You do not have access to this clinic.', { status: 403 });
	if (claims.organization_id !== member.organization_id) {
		return refuse('Your session is active at another clinic. Reload the page and try again.', {
			status: 403
		});
	}
	return { ok: true, userId: claims.sub, member };
}
