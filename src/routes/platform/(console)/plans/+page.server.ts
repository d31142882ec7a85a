import { fail, redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { currencyOptions } from '$lib/money';
import { planSchema } from '$lib/schemas/platform';
import { listPlans, savePlan } from '$lib/server/platform/billing';
import { requirePlatformAdmin } from '$lib/server/platform/guard';
import { failForm } from '$lib/server/refusals';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	await requirePlatformAdmin({ locals, url });
	return {
		plans: await listPlans({ supabase: locals.supabase }),
		form: await superValidate(zod4(planSchema), { errors: false }),
		currencies: currencyOptions(),
		notice: url.searchParams.get('notice')
	};
};

export const actions: Actions = {
	save: async ({ request, locals, url }) => {
		await requirePlatformAdmin({ locals, url });
		const form = await superValidate(request, zod4(planSchema));
		if (!form.valid) return fail(400, { form });
		const saved = await savePlan({ supabase: locals.supabase, plan: form.data });
		if (!saved.ok) return failForm(form, saved);
		redirect(303, '/platform/plans?notice=saved');
	}
};
