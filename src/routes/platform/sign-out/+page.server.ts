import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async () => redirect(303, '/platform/sign-in');

export const actions: Actions = {
	default: async ({ locals }) => {
		await locals.supabase.auth.signOut({ scope: 'local' });
		redirect(303, '/platform/sign-in?notice=signed-out');
	}
};
