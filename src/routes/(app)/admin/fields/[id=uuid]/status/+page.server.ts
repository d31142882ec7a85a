import { error, fail, redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { fieldIdSchema } from '$lib/schemas/admin';
import { fieldPage, getField, setFieldActive } from '$lib/server/admin/fields';
import { requireClinicAdmin } from '$lib/server/admin/guard';
import { failForm } from '$lib/server/refusals';
import type { Actions, PageServerLoad } from './$types';

/** Confirmation page for deactivating or reactivating a field (a plain form: works without JS). */
export const load: PageServerLoad = async ({ locals, params }) => {
	const { field, activePatients, missing } = await fieldPage({
		supabase: locals.supabase,
		id: params.id
	});
	return {
		field,
		withValue: activePatients - missing,
		form: await superValidate({ id: field.id }, zod4(fieldIdSchema), { errors: false })
	};
};

export const actions: Actions = {
	default: async ({ request, locals, url, params }) => {
		const form = await superValidate(request, zod4(fieldIdSchema));
		if (!form.valid || form.data.id !== params.id) return fail(400, { form });
		await requireClinicAdmin({ locals, url });
		const field = await getField({ supabase: locals.supabase, id: params.id });
		if (!field) error(404, 'No such field.');
		const result = await setFieldActive({
			supabase: locals.supabase,
			id: field.id,
			active: !field.active
		});
		if (!result.ok) return failForm(form, result);
		redirect(303, `/admin/fields?notice=${field.active ? 'deactivated' : 'reactivated'}`);
	}
};
