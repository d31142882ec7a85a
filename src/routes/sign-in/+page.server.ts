import { fail, redirect } from '@sveltejs/kit';
import { superValidate, setError } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { signInSchema } from '$lib/schemas/auth';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async () => {
	return { form: await superValidate(zod4(signInSchema)) };
};

export const actions: Actions = {
	default: async ({ request, locals }) => {
		const form = await superValidate(request, zod4(signInSchema));
		if (!form.valid) return fail(400, { form });
		const { error } = await locals.supabase.auth.signInWithPassword(form.data);
		if (error) {
			const message =
				error.code === 'invalid_credentials'
					? 'That email and password do not match an account.'
					: error.code === 'email_not_confirmed'
						? 'Confirm your email address before signing in.'
						: 'Sign-in is unavailable right now. Try again in a moment.';
			return setError(form, 'password', message);
		}
		redirect(303, '/');
	}
};
