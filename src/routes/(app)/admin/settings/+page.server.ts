import { fail } from '@sveltejs/kit';
import { message, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { clinicSettingsSchema } from '$lib/schemas/time-zone';
import { requireClinicAdmin } from '$lib/server/admin/guard';
import { saveTimeZone } from '$lib/server/admin/settings';
import { failForm } from '$lib/server/refusals';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ parent }) => {
	const { timeZone } = await parent();
	return {
		form: await superValidate({ time_zone: timeZone }, zod4(clinicSettingsSchema), {
			id: 'settings'
		})
	};
};

export const actions: Actions = {
	save: async ({ request, locals, url }) => {
		const form = await superValidate(request, zod4(clinicSettingsSchema), { id: 'settings' });
		if (!form.valid) return fail(400, { form });
		const admin = await requireClinicAdmin({ locals, url });
		const result = await saveTimeZone({
			supabase: locals.supabase,
			organizationId: admin.organizationId,
			timeZone: form.data.time_zone
		});
		if (!result.ok) return failForm(form, result);
		return message(form, `Saved. The clinic’s dates and times are now in ${form.data.time_zone}.`);
	}
};
