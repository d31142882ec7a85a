import { redirect } from '@sveltejs/kit';
import { endSupportAccess } from '$lib/server/platform/support';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async () => redirect(303, '/dashboard');

export const actions: Actions = {
	/**
	 * The banner's "End support access" on the clinic's address: ends the grant (recorded in the
	 * clinic's audit trail) and signs this address's session out.
	 */
	default: async ({ locals }) => {
		if (await locals.safeGetClaims()) {
			await endSupportAccess({ supabase: locals.supabase });
			await locals.supabase.auth.signOut({ scope: 'local' });
		}
		redirect(303, '/sign-in?notice=support-ended');
	}
};
