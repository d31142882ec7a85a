import { redirect } from '@sveltejs/kit';
import { isAuthSessionMissingError } from '@supabase/supabase-js';
import { clinicOrigin } from '$lib/server/addresses';
import { activateOrganization } from '$lib/server/active-organization';
import { supportBanner } from '$lib/server/platform/support';
import { requirementReasons, secondFactorStep } from '$lib/server/two-factor';
import type { LayoutServerLoad } from './$types';

/**
 * Every page of the clinic portal: a signed-in member of THIS host's clinic, with the clinic
 * active in the token. RLS is what protects the data; this keeps the UI coherent with it. The
 * person's clinics and support access come from this request's context (hooks.server.ts), loaded
 * in the same call as the branding: no Data API request of its own.
 */
export const load: LayoutServerLoad = async ({ locals, url }) => {
	const claims = await locals.safeGetClaims();
	if (!claims)
		redirect(303, `/sign-in?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
	const branding = locals.branding;
	if (!branding || !locals.context) redirect(303, '/');

	// the person's clinics and own name (for the header) come with this request's context
	const orgs = locals.context.clinics;
	const user = {
		id: claims.sub,
		email: claims.email ?? '',
		name: locals.context.profile?.full_name ?? ''
	};
	const here = orgs.find((o) => o.slug === branding.slug);
	if (!here) {
		// A platform admin with live read-only support access to THIS clinic (checked in Postgres,
		// which also refuses every write): role 'support' is in no write list of the portal.
		const access = locals.context.support;
		if (access && access.slug === branding.slug) {
			return {
				branding,
				user,
				role: 'support' as const,
				organizationId: access.organization_id,
				timeZone: access.time_zone ?? 'UTC',
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
	// Two-factor sign-in, live: a new admin role or a clinic's new requirement may not be in the
	// token's claims yet (the hook checked those), and Postgres already refuses this session.
	if (claims.aal !== 'aal2' && requirementReasons({ clinics: orgs, platformAdmin: false }).length)
		redirect(303, secondFactorStep(url));
	if (claims.organization_id !== here.organization_id) {
		const switched = await activateOrganization(locals.supabase, here.organization_id);
		if (!switched.ok) redirect(303, '/sign-in?notice=no-access');
	}
	return {
		branding,
		user,
		role: here.role,
		organizationId: here.organization_id,
		/** The clinic's IANA time zone: every date and time on its pages is shown and read in it. */
		timeZone: here.time_zone ?? 'UTC',
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
