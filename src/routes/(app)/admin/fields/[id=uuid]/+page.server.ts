import { fail, redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { fieldDefinitionSchema } from '$lib/schemas/admin';
import { fieldPage, updateField } from '$lib/server/admin/fields';
import { requireClinicAdmin } from '$lib/server/admin/guard';
import { failForm } from '$lib/server/refusals';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	const page = await fieldPage({ supabase: locals.supabase, id: params.id });
	const { field } = page;
	return {
		...page,
		form: await superValidate(
			{
				id: field.id,
				key: field.key,
				label: field.label,
				fieldType: field.field_type,
				options: (field.options ?? []).join('\n'),
				required: field.required,
				formatKind: field.format_kind,
				formatMask: field.format_mask ?? '',
				uniqueWithinClinic: field.unique_within_clinic
			},
			zod4(fieldDefinitionSchema),
			{ id: 'edit-field', errors: false }
		)
	};
};

export const actions: Actions = {
	save: async ({ request, locals, url, params }) => {
		const form = await superValidate(request, zod4(fieldDefinitionSchema), { id: 'edit-field' });
		if (!form.valid) return fail(400, { form });
		await requireClinicAdmin({ locals, url });
		const result = await updateField({ supabase: locals.supabase, ...form.data, id: params.id });
		if (!result.ok) return failForm(form, result);
		redirect(303, '/admin/fields?notice=saved');
	}
};
