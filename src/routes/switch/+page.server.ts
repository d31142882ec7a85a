import { error, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { text } from '$lib/schemas/text';
import { clinicOrigin } from '$lib/server/addresses';
import { activateOrganization, myOrganizations } from '$lib/server/active-organization';
import type { Actions, PageServerLoad } from './$types';

const switchSchema = z.object({ slug: text().min(1).max(63) });

export const load: PageServerLoad = async () => redirect(303, '/dashboard');

export const actions: Actions = {
	/**
	 * Clinic switcher: activates the target clinic, then carries the session to its address with a
	 * one-time handoff code (sessions are host-only cookies, one per clinic address).
	 */
	default: async ({ request, locals, url }) => {
		const claims = await locals.safeGetClaims();
		if (!claims) redirect(303, '/sign-in');
		const parsed = switchSchema.safeParse(Object.fromEntries(await request.formData()));
		if (!parsed.success) error(400, { message: 'Choose a clinic to switch to.' });
		const target = (await myOrganizations(locals.supabase)).find(
			(o) => o.slug === parsed.data.slug
		);
		if (!target) error(403, { message: 'You are not an active member of that clinic.' });

		const switched = await activateOrganization(locals.supabase, target.organization_id);
		if (!switched.ok) error(403, { message: switched.message });
		// The refresh token is only carried to the target address; the server never logs it.
		const { data: session } = await locals.supabase.auth.getSession();
		const refreshToken = session.session?.refresh_token;
		if (!refreshToken) redirect(303, '/sign-in');
		const { data: code, error: handoffError } = await locals.supabase.rpc(
			'create_session_handoff',
			{
				slug: target.slug,
				refresh_token: refreshToken
			}
		);
		if (handoffError || !code)
			error(403, { message: handoffError?.message ?? 'Switching failed.' });
		redirect(
			303,
			`${clinicOrigin(target.slug, url)}/auth/handoff?code=${encodeURIComponent(code)}`
		);
	}
};
