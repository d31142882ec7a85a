import { fail } from '@sveltejs/kit';
import { message, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { clinicSettingsSchema } from '$lib/schemas/time-zone';
import { requirementSchema } from '$lib/schemas/two-factor';
import { requireClinicAdmin } from '$lib/server/admin/guard';
import { saveTimeZone } from '$lib/server/admin/settings';
import { setTwoFactorRequirement, twoFactorRequirement } from '$lib/server/admin/two-factor';
import { failForm } from '$lib/server/refusals';
import type { Actions, PageServerLoad } from './$types';

/**
 * Clinic settings. Each setting is its own form, action and component: the clinic's time zone
 * (`form` / `?/save`) and two-factor sign-in (`twoFactorForm` / `?/twoFactor`, in
 * TwoFactorRequirementForm), so more settings join without touching the others.
 */
export const load: PageServerLoad = async ({ locals, parent }) => {
	const { organizationId, timeZone } = await parent();
	const twoFactor = await twoFactorRequirement({ supabase: locals.supabase, organizationId });
	return {
		form: await superValidate({ time_zone: timeZone }, zod4(clinicSettingsSchema), {
			id: 'settings'
		}),
		twoFactor,
		twoFactorForm: await superValidate({ required: twoFactor.required }, zod4(requirementSchema), {
			id: 'two-factor',
			errors: false
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
	},
	twoFactor: async ({ request, locals, url }) => {
		const form = await superValidate(request, zod4(requirementSchema), { id: 'two-factor' });
		if (!form.valid) return fail(400, { form });
		await requireClinicAdmin({ locals, url });
		const result = await setTwoFactorRequirement({
			supabase: locals.supabase,
			required: form.data.required
		});
		if (!result.ok) return failForm(form, result);
		return message(
			form,
			form.data.required
				? 'Two-factor sign-in is now required for all staff. Anyone without an authenticator app sets one up at their next page.'
				: 'Two-factor sign-in is no longer required for all staff (administrators still need it).'
		);
	}
};
