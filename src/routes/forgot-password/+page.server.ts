import { fail, redirect } from '@sveltejs/kit';
import { message, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { forgotPasswordSchema } from '$lib/schemas/auth';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	if (!locals.branding) redirect(303, '/');
	return { form: await superValidate(zod4(forgotPasswordSchema)) };
};

export const actions: Actions = {
	default: async ({ request, locals, url }) => {
		const form = await superValidate(request, zod4(forgotPasswordSchema));
		if (!form.valid) return fail(400, { form });
		// The link comes back to this clinic's address; PKCE keeps it bound to this browser.
		const { error } = await locals.supabase.auth.resetPasswordForEmail(form.data.email, {
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
