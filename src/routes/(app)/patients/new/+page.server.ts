import { error, fail, redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { canEditPatients, patientFormSchema } from '$lib/schemas/patient';
import { actingMember } from '$lib/server/active-organization';
import { activeFieldDefinitions, createPatient, likelyDuplicates } from '$lib/server/patients';
import { failForm } from '$lib/server/refusals';
import type { Actions, PageServerLoad } from './$types';

const FORBIDDEN =
	'Your role cannot register patients. Ask a receptionist, nurse, doctor or administrator.';

export const load: PageServerLoad = async ({ locals, parent }) => {
	const { role } = await parent();
	if (!canEditPatients(role)) error(403, FORBIDDEN);
	const definitions = await activeFieldDefinitions({ supabase: locals.supabase });
	const form = await superValidate(zod4(patientFormSchema(definitions)), { errors: false });
	return { form, definitions };
};

export const actions: Actions = {
	create: async ({ request, locals }) => {
		const acting = await actingMember(locals);
		if (!acting.ok) error(acting.status, acting.message);
		if (!canEditPatients(acting.member.role)) error(403, FORBIDDEN);

		const definitions = await activeFieldDefinitions({ supabase: locals.supabase });
		const form = await superValidate(request, zod4(patientFormSchema(definitions)));
		if (!form.valid) return fail(400, { form });

		// Likely the same person as a patient already registered: show them (with links to their
		// charts) and save only when the person confirms it is someone else.
		if (!form.data.confirm_duplicate) {
			const duplicates = await likelyDuplicates({
				supabase: locals.supabase,
				input: form.data,
				definitions
			});
			if (duplicates.length > 0) return fail(409, { form, duplicates });
		}

		const result = await createPatient({
			supabase: locals.supabase,
			input: form.data,
			definitions
		});
		if (!result.ok) {
			if (result.status === 403) error(403, result.message);
			return failForm(form, result);
		}
		redirect(303, `/patients/${result.patient.id}?created=1`);
	}
};
