import { error, fail, redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { z } from 'zod';
import { acceptInvitation, pendingInvitationHere } from '$lib/server/accept-invite';
import { failForm } from '$lib/server/refusals';
import type { Actions, PageServerLoad } from './$types';

const acceptSchema = z.object({ accept: z.literal('yes') });

/**
 * Where an invitation e-mail's sign-in link lands (through /auth/confirm). The person is signed in
 * as the invited address; accepting is an explicit POST, never a side effect of opening a link.
 */
export const load: PageServerLoad = async ({ locals, url }) => {
	if (!locals.branding) error(404, 'Open your invitation link at the clinic’s address.');
	const claims = await locals.safeGetClaims();
	if (!claims) redirect(303, `/sign-in?redirectTo=${encodeURIComponent(url.pathname)}`);
	return {
		email: claims.email ?? '',
		invitation: await pendingInvitationHere({ supabase: locals.supabase }),
		form: await superValidate({ accept: 'yes' as const }, zod4(acceptSchema))
	};
};

export const actions: Actions = {
	default: async ({ request, locals }) => {
		const form = await superValidate(request, zod4(acceptSchema));
		if (!form.valid) return fail(400, { form });
		const branding = locals.branding;
		if (!branding) error(404, 'Not found');
		if (!(await locals.safeGetClaims())) redirect(303, '/sign-in?notice=link-expired');
		const result = await acceptInvitation({ supabase: locals.supabase, slug: branding.slug });
		if (!result.ok) return failForm(form, result);
		// someone who works elsewhere already has a password; a new account sets one now
		redirect(303, result.hasOtherClinics ? '/dashboard' : '/set-password');
	}
};
