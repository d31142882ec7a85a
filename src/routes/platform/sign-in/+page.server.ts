import { error, fail, redirect } from '@sveltejs/kit';
import { superValidate, setError } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { signInSchema } from '$lib/schemas/auth';
import { safeRedirectPath } from '$lib/server/addresses';
import { isPlatformAdmin } from '$lib/server/platform/guard';
import { signInAllowed, signInSucceeded } from '$lib/server/sign-in-throttle';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	if (locals.tenant.kind !== 'platform') error(404, { message: 'Not found' });
	const claims = await locals.safeGetClaims();
	if (
		claims?.is_platform_admin &&
		(await isPlatformAdmin({ supabase: locals.supabase, userId: claims.sub }))
	) {
		redirect(303, safeRedirectPath(url.searchParams.get('redirectTo'), '/platform/clinics'));
	}
	return { form: await superValidate(zod4(signInSchema)), notice: url.searchParams.get('notice') };
};

export const actions: Actions = {
	default: async ({ request, locals, url, getClientAddress, setHeaders }) => {
		if (locals.tenant.kind !== 'platform') error(404, { message: 'Not found' });
		const form = await superValidate(request, zod4(signInSchema));
		if (!form.valid) return fail(400, { form });
		const throttle = await signInAllowed(locals.supabase, {
			clientAddress: getClientAddress(),
			email: form.data.email
		});
		if (!throttle.allowed) {
			setHeaders({ 'retry-after': String(throttle.retryAfterSeconds) });
			return setError(form, 'password', throttle.message, { status: 429 });
		}
		const { data, error: authError } = await locals.supabase.auth.signInWithPassword(form.data);
		if (authError || !data.user) {
			const message =
				authError?.code === 'invalid_credentials'
					? 'That email and password do not match an account.'
					: 'Sign-in is unavailable right now. Try again in a moment.';
			return setError(form, 'password', message, { status: 400 });
		}
		await signInSucceeded(locals.supabase);
		// Only platform admins stay signed in here; everyone else is signed out at once.
		if (!(await isPlatformAdmin({ supabase: locals.supabase, userId: data.user.id }))) {
			await locals.supabase.auth.signOut({ scope: 'local' });
			return setError(
				form,
				'email',
				'This account is not a platform administrator. Clinic staff sign in at their clinic’s own address.',
				{ status: 403 }
			);
		}
		redirect(303, safeRedirectPath(url.searchParams.get('redirectTo'), '/platform/clinics'));
	}
};
