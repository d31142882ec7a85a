import { fail, redirect } from '@sveltejs/kit';
import { superValidate, setError } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { signInSchema } from '$lib/schemas/auth';
import { clinicOrigin, safeRedirectPath } from '$lib/server/addresses';
import { activateOrganization, myOrganizations } from '$lib/server/active-organization';
import { passwordSignIn } from '$lib/server/sign-in-throttle';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	if (locals.tenant.kind === 'platform') redirect(303, '/');
	if (await locals.safeGetClaims())
		redirect(303, safeRedirectPath(url.searchParams.get('redirectTo')));
	return {
		form: await superValidate(zod4(signInSchema)),
		notice: url.searchParams.get('notice')
	};
};

export const actions: Actions = {
	default: async ({ request, locals, url, getClientAddress, setHeaders }) => {
		const form = await superValidate(request, zod4(signInSchema));
		if (!form.valid) return fail(400, { form });
		const branding = locals.branding;
		if (!branding) return setError(form, 'email', 'No clinic uses this address.');
		if (branding.suspended) {
			return setError(form, 'email', `${branding.name} is suspended; sign-in is closed.`, {
				status: 403
			});
		}

		const refused = await passwordSignIn(
			{ locals, getClientAddress, setHeaders },
			form,
			'This account is blocked. Contact your clinic administrator.'
		);
		if (refused) return refused;

		// Signing in at a clinic you do not belong to is refused, naming where you can sign in.
		const orgs = await myOrganizations(locals.supabase);
		const here = orgs.find((o) => o.slug === branding.slug);
		if (!here) {
			await locals.supabase.auth.signOut({ scope: 'local' });
			const elsewhere = orgs.map((o) => `${o.name} (${clinicOrigin(o.slug, url)})`);
			const message = elsewhere.length
				? `You do not have access to ${branding.name}. You can sign in at: ${elsewhere.join(', ')}.`
				: `You do not have access to ${branding.name}. Ask its administrator for an invitation.`;
			return setError(form, 'email', message, { status: 403 });
		}
		if (!here.is_active) {
			const switched = await activateOrganization(locals.supabase, here.organization_id);
			if (!switched.ok) {
				await locals.supabase.auth.signOut({ scope: 'local' });
				return setError(form, 'email', switched.message, { status: 403 });
			}
		}
		redirect(303, safeRedirectPath(url.searchParams.get('redirectTo')));
	}
};
