import { error, fail, redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { deletePlanSchema } from '$lib/schemas/platform';
import { deletePlan, planUsage } from '$lib/server/platform/billing';
import { requirePlatformAdmin } from '$lib/server/platform/guard';
import { failForm } from '$lib/server/refusals';
import type { Actions, PageServerLoad } from './$types';

/** The confirmation step before deleting a plan (a page, so it works without JavaScript). */
export const load: PageServerLoad = async ({ locals, url, params }) => {
	await requirePlatformAdmin({ locals, url });
	const usage = await planUsage({ supabase: locals.supabase, id: params.id });
	if (!usage) error(404, 'No such plan.');
	return {
		...usage,
		form: await superValidate({ id: usage.plan.id }, zod4(deletePlanSchema), { errors: false })
	};
};

export const actions: Actions = {
	default: async ({ request, locals, url, params }) => {
		await requirePlatformAdmin({ locals, url });
		const form = await superValidate(request, zod4(deletePlanSchema));
		if (!form.valid || form.data.id !== params.id) return fail(400, { form });
		const deleted = await deletePlan({ supabase: locals.supabase, id: form.data.id });
		if (!deleted.ok) return failForm(form, deleted);
		redirect(303, '/platform/plans?notice=deleted');
	}
};
