import { error, fail, redirect } from '@sveltejs/kit';
import { setError, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { canEditPatients, patientFormSchema } from '$lib/schemas/patient';
import { actingRole, activeFieldDefinitions, createPatient } from '$lib/server/patients';
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
		const acting = await actingRole({
			supabase: locals.supabase,
			claims: await locals.safeGetClaims(),
			slug: locals.branding?.slug
		});
		if (!acting.ok) error(acting.status, acting.message);
		if (!canEditPatients(acting.role)) error(403, FORBIDDEN);

		const definitions = await activeFieldDefinitions({ supabase: locals.supabase });
		const form = await superValidate(request, zod4(patientFormSchema(definitions)));
		if (!form.valid) return fail(400, { form });

		const result = await createPatient({
			supabase: locals.supabase,
			input: form.data,
			definitions
		});
		if (!result.ok) {
			if (result.status === 403) error(403, result.message);
			if (result.field) {
				return setError(form, result.field as never, result.message, { status: result.status });
			}
			return setError(form, result.message, { status: result.status });
		}
		redirect(303, `/patients/${result.patient.id}?created=1`);
	}
};
