import { fail, redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { onboardClinicSchema } from '$lib/schemas/platform';
import { clinicOrigin } from '$lib/server/addresses';
import { listPlans } from '$lib/server/platform/billing';
import { onboardClinic } from '$lib/server/platform/clinics';
import { requirePlatformAdmin } from '$lib/server/platform/guard';
import { failForm } from '$lib/server/refusals';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	await requirePlatformAdmin({ locals, url });
	return {
		form: await superValidate(zod4(onboardClinicSchema)),
		plans: await listPlans({ supabase: locals.supabase })
	};
};

export const actions: Actions = {
	create: async ({ request, locals, url }) => {
		await requirePlatformAdmin({ locals, url });
		const form = await superValidate(request, zod4(onboardClinicSchema));
		if (!form.valid) return fail(400, { form });
		const result = await onboardClinic({
			supabase: locals.supabase,
			input: form.data,
			clinicOrigin: clinicOrigin(form.data.slug, url)
		});
		if (!result.ok) return failForm(form, result);
		redirect(
			303,
			`/platform/clinics/${result.organizationId}?created=${result.invited ? 'invited' : 'member'}`
		);
	}
};
