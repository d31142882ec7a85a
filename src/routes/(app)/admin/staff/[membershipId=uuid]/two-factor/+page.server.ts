import { error, fail, redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { membershipIdSchema } from '$lib/schemas/admin';
import { requireClinicAdmin } from '$lib/server/admin/guard';
import { getMember } from '$lib/server/admin/staff';
import { resetMemberTwoFactor } from '$lib/server/admin/two-factor';
import { failForm } from '$lib/server/refusals';
import type { Actions, PageServerLoad } from './$types';

/** The confirmation step before resetting a staff member's two-factor sign-in (works without JavaScript). */
export const load: PageServerLoad = async ({ locals, params, parent }) => {
	const { user } = await parent();
	// the member with their two-factor status (a computed field of memberships): one request
	const member = await getMember({
		supabase: locals.supabase,
		membershipId: params.membershipId,
		selfId: user.id
	});
	if (!member) error(404, 'No such staff member at this clinic.');
	return {
		member,
		hasTwoFactor: member.twoFactor,
		form: await superValidate({ membershipId: member.membershipId }, zod4(membershipIdSchema))
	};
};

export const actions: Actions = {
	default: async ({ request, locals, url, params }) => {
		const form = await superValidate(request, zod4(membershipIdSchema));
		if (!form.valid || form.data.membershipId !== params.membershipId) return fail(400, { form });
		await requireClinicAdmin({ locals, url });
		const result = await resetMemberTwoFactor({
			supabase: locals.supabase,
			membershipId: form.data.membershipId
		});
		if (!result.ok) return failForm(form, result);
		redirect(303, '/admin/staff?notice=two-factor-reset');
	}
};
