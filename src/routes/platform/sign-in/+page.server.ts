import { error, fail, redirect } from '@sveltejs/kit';
import { superValidate, setError } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { signInSchema } from '$lib/schemas/auth';
import { safeRedirectPath } from '$lib/server/addresses';
import { isPlatformAdmin } from '$lib/server/platform/guard';
import { passwordSignIn } from '$lib/server/sign-in-throttle';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	if (locals.tenant.kind !== 'platform') error(404, { message: 'Not found' });
	const claims = await locals.safeGetClaims();
	// a platform admin already signed in carries on (the console's guard asks for the code at aal1)
	if (
		claims?.is_platform_admin &&
		(claims.aal !== 'aal2' ||
			(await isPlatformAdmin({ supabase: locals.supabase, userId: claims.sub })))
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
		const refused = await passwordSignIn(
			{ locals, getClientAddress, setHeaders },
			form,
			'This account is blocked.'
		);
		if (refused) return refused;
		// Only platform admins stay signed in here; everyone else is signed out at once. The new
		// token's is_platform_admin claim was read live from platform_admins by the access token
		// hook (the row itself is visible only at aal2, after the code step).
		const { data: issued } = await locals.supabase.auth.getClaims();
		if (issued?.claims.is_platform_admin !== true) {
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
