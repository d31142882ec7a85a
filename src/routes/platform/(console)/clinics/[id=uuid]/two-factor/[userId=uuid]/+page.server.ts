import { error, fail, redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { adminUserSchema } from '$lib/schemas/two-factor';
import { clinicDetail } from '$lib/server/platform/clinics';
import { requirePlatformAdmin } from '$lib/server/platform/guard';
import { clinicAdmins, resetAdminTwoFactor } from '$lib/server/platform/two-factor';
import { failForm } from '$lib/server/refusals';
import type { Actions, PageServerLoad } from './$types';

/** The confirmation step before resetting a clinic administrator's two-factor sign-in. */
export const load: PageServerLoad = async ({ locals, url, params }) => {
	await requirePlatformAdmin({ locals, url });
	const [detail, admins] = await Promise.all([
		clinicDetail({ supabase: locals.supabase, organizationId: params.id }),
		clinicAdmins({ supabase: locals.supabase, organizationId: params.id })
	]);
	const admin = admins.find((a) => a.user_id === params.userId);
	if (!admin) error(404, 'No such administrator at this clinic.');
	return {
		clinic: detail.clinic,
		admin,
		form: await superValidate({ userId: admin.user_id }, zod4(adminUserSchema))
	};
};

export const actions: Actions = {
	default: async ({ request, locals, url, params }) => {
		await requirePlatformAdmin({ locals, url });
		const form = await superValidate(request, zod4(adminUserSchema));
		if (!form.valid || form.data.userId !== params.userId) return fail(400, { form });
		const result = await resetAdminTwoFactor({
			supabase: locals.supabase,
			organizationId: params.id,
			userId: form.data.userId
		});
		if (!result.ok) return failForm(form, result);
		redirect(303, `/platform/clinics/${params.id}/two-factor?notice=reset`);
	}
};
