import { redirect } from '@sveltejs/kit';
import { isAuthSessionMissingError } from '@supabase/supabase-js';
import { clinicOrigin } from '$lib/server/addresses';
import { activateOrganization, myOrganizations } from '$lib/server/active-organization';
import { activeSupportAccess, supportBanner } from '$lib/server/platform/support';
import type { LayoutServerLoad } from './$types';

/**
 * Every page of the clinic portal: a signed-in member of THIS host's clinic, with the clinic
 * active in the token. RLS is what protects the data; this keeps the UI coherent with it.
 */
export const load: LayoutServerLoad = async ({ locals, url }) => {
	const claims = await locals.safeGetClaims();
	if (!claims)
		redirect(303, `/sign-in?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
	const branding = locals.branding;
	if (!branding) redirect(303, '/');

	// the person's own name for the header (profiles: everyone reads their own), alongside
	const [orgs, profile] = await Promise.all([
		myOrganizations(locals.supabase),
		locals.supabase.from('profiles').select('full_name').eq('id', claims.sub).maybeSingle()
	]);
	if (profile.error) throw new Error(`profiles: ${profile.error.message}`);
	const user = { id: claims.sub, email: claims.email ?? '', name: profile.data?.full_name ?? '' };
	const here = orgs.find((o) => o.slug === branding.slug);
	if (!here) {
		// A platform admin with live read-only support access to THIS clinic (checked in Postgres,
		// which also refuses every write): role 'support' is in no write list of the portal.
		const access = await activeSupportAccess({ supabase: locals.supabase });
		if (access && access.slug === branding.slug) {
			return {
				branding,
				user,
				role: 'support' as const,
				organizationId: access.organization_id,
				clinics: [],
				support: supportBanner(access)
			};
		}
		// Removed, suspended or never a member here: the session has nothing to do at this clinic.
		// Or the session itself ended (signed out at another clinic address, or removed from the
		// last clinic): then the database lists no clinic at all, and Auth says so.
		const { error: userError } = await locals.supabase.auth.getUser();
		const ended = isAuthSessionMissingError(userError);
		await locals.supabase.auth.signOut({ scope: 'local' });
		redirect(303, `/sign-in?notice=${ended ? 'signed-out' : 'no-access'}`);
	}
	if (claims.organization_id !== here.organization_id) {
		const switched = await activateOrganization(locals.supabase, here.organization_id);
		if (!switched.ok) redirect(303, '/sign-in?notice=no-access');
	}
	return {
		branding,
		user,
		role: here.role,
		organizationId: here.organization_id,
		clinics: orgs.map((o) => ({
			organizationId: o.organization_id,
			slug: o.slug,
			name: o.name,
			role: o.role,
			current: o.slug === branding.slug,
			origin: clinicOrigin(o.slug, url)
		})),
		support: null
	};
};
