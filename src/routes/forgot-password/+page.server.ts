import { fail, redirect } from '@sveltejs/kit';
import { message, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { forgotPasswordSchema } from '$lib/schemas/auth';
import { throwawayClient } from '$lib/server/supabase';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	if (!locals.branding) redirect(303, '/');
	return { form: await superValidate(zod4(forgotPasswordSchema)) };
};

export const actions: Actions = {
	default: async ({ request, url }) => {
		const form = await superValidate(request, zod4(forgotPasswordSchema));
		if (!form.valid) return fail(400, { form });
		// The link comes back to this clinic's address with a token hash (the recovery template), so
		// it works on any device: a throwaway client without PKCE, whose verifier would stay in this
		// browser, and the request's own session cookie untouched.
		const auth = throwawayClient('implicit').auth;
		const { error } = await auth.resetPasswordForEmail(form.data.email, {
			redirectTo: `${url.origin}/auth/confirm?next=/set-password`
		});
		if (error && error.status === 429) {
			return message(form, 'Too many requests. Wait a minute and try again.', { status: 429 });
		}
		// Same answer whether or not the address has an account (no account enumeration).
		return message(
			form,
			'If an account uses that address, we sent it a link to set a new password.'
		);
	}
};
