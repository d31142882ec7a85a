import { fail, redirect } from '@sveltejs/kit';
import { message, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { fieldDefinitionSchema, fieldMoveSchema } from '$lib/schemas/admin';
import { createField, fieldOverview, moveField } from '$lib/server/admin/fields';
import { requireClinicAdmin } from '$lib/server/admin/guard';
import { failForm } from '$lib/server/refusals';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const { fields, activePatients, missing } = await fieldOverview({ supabase: locals.supabase });
	return {
		fields,
		activePatients,
		missing,
		notice: url.searchParams.get('notice'),
		moveError: url.searchParams.get('moveError'),
		form: await superValidate(zod4(fieldDefinitionSchema), { id: 'create-field' })
	};
};

export const actions: Actions = {
	create: async ({ request, locals, url }) => {
		const form = await superValidate(request, zod4(fieldDefinitionSchema), { id: 'create-field' });
		if (!form.valid) return fail(400, { form });
		await requireClinicAdmin({ locals, url });
		const result = await createField({ supabase: locals.supabase, ...form.data });
		if (!result.ok) return failForm(form, result);
		return message(form, `Field “${form.data.label}” added. It appears on patient forms now.`);
	},

	/** Up/down buttons: plain forms, so reordering works without JavaScript. */
	move: async ({ request, locals, url }) => {
		const form = await superValidate(request, zod4(fieldMoveSchema));
		if (!form.valid) return fail(400, { form });
		await requireClinicAdmin({ locals, url });
		const result = await moveField({ supabase: locals.supabase, ...form.data });
		if (!result.ok) redirect(303, `/admin/fields?moveError=${encodeURIComponent(result.message)}`);
		redirect(303, `/admin/fields?notice=moved#field-${form.data.id}`);
	}
};
