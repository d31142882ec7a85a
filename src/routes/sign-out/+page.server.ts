import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async () => redirect(303, '/sign-in');

export const actions: Actions = {
	/**
	 * Signs the person out everywhere (Auth's global scope): every Auth session of theirs ends, so
	 * the other clinic addresses they are signed in at (each keeps its own cookie) can no longer
	 * refresh, and their still-unexpired access tokens open nothing from the next request on (the
	 * database checks the token's session: private.session_is_live). docs/security.md, "Sessions".
	 */
	default: async ({ locals }) => {
		await locals.supabase.auth.signOut({ scope: 'global' });
		redirect(303, '/sign-in?notice=signed-out');
	}
};
