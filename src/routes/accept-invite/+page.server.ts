import { error, fail, redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { z } from 'zod';
import { fullNameSchema } from '$lib/schemas/email';
import { acceptInvitation, invitationByKey, ownName } from '$lib/server/accept-invite';
import { failForm } from '$lib/server/refusals';
import type { Actions, PageServerLoad } from './$types';

const acceptSchema = z.object({
	key: z.string().trim().max(200).default(''),
	fullName: fullNameSchema,
	accept: z.literal('yes').default('yes')
});

/**
 * Where an invitation e-mail's link lands (through /auth/confirm, which signed the person in as the
 * invited address). The `key` in the link is the invitation's secret. Accepting is an explicit
 * POST with the person's name, never a side effect of opening a link.
 */
export const load: PageServerLoad = async ({ locals, url }) => {
	if (!locals.branding) error(404, 'Open your invitation link at the clinic’s address.');
	const claims = await locals.safeGetClaims();
	if (!claims) redirect(303, '/sign-in?notice=link-expired');
	const key = url.searchParams.get('key') ?? '';
	const invitation = await invitationByKey({ supabase: locals.supabase, key });
	const usable =
		invitation &&
		invitation.clinicSlug === locals.branding.slug &&
		invitation.email === (claims.email ?? '').toLowerCase()
			? invitation
			: null;
	const name =
		usable?.fullName || (await ownName({ supabase: locals.supabase, userId: claims.sub }));
	return {
		email: claims.email ?? '',
		invitation: usable,
		form: await superValidate({ key, fullName: name, accept: 'yes' as const }, zod4(acceptSchema), {
			errors: false
		})
	};
};

export const actions: Actions = {
	default: async ({ request, locals }) => {
		const form = await superValidate(request, zod4(acceptSchema));
		if (!form.valid) return fail(400, { form });
		const branding = locals.branding;
		if (!branding) error(404, 'Not found');
		if (!(await locals.safeGetClaims())) redirect(303, '/sign-in?notice=link-expired');
		const result = await acceptInvitation({
			supabase: locals.supabase,
			slug: branding.slug,
			key: form.data.key,
			fullName: form.data.fullName
		});
		if (!result.ok) return failForm(form, result);
		// someone who works elsewhere already has a password; a new account sets one now
		redirect(303, result.hasOtherClinics ? '/dashboard' : '/set-password');
	}
};
