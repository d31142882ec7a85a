import { fail, redirect } from '@sveltejs/kit';
import { setError, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { PASSWORD_HINT, setPasswordSchema } from '$lib/schemas/auth';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const claims = await locals.safeGetClaims();
	if (!claims) redirect(303, '/sign-in?notice=link-expired');
	return { form: await superValidate(zod4(setPasswordSchema)), email: claims.email ?? '' };
};

export const actions: Actions = {
	default: async ({ request, locals }) => {
		const form = await superValidate(request, zod4(setPasswordSchema));
		if (!form.valid) return fail(400, { form });
		// getUser() verifies the session with the Auth server right before this sensitive write.
		const { data: userData, error: userError } = await locals.supabase.auth.getUser();
		if (userError || !userData.user) redirect(303, '/sign-in?notice=link-expired');
		const { error } = await locals.supabase.auth.updateUser({ password: form.data.password });
		if (error) {
			const text =
				error.code === 'same_password'
					? 'Choose a password different from your current one.'
					: error.code === 'weak_password'
						? `That password is too weak. ${PASSWORD_HINT}`
						: 'Could not update your password. Try again.';
			return setError(form, 'password', text);
		}
		// a new password ends every other session of the account (someone else's included)
		await locals.supabase.auth.signOut({ scope: 'others' });
		redirect(303, '/dashboard');
	}
};
