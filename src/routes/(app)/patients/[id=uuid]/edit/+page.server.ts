import { error, fail, redirect } from '@sveltejs/kit';
import { message, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { fullName } from '$lib/format';
import { canEditPatients, formValuesFromPatient, patientFormSchema } from '$lib/schemas/patient';
import { actingMember } from '$lib/server/active-organization';
import { failForm } from '$lib/server/refusals';
import {
	activeFieldDefinitions,
	getPatientForEdit,
	likelyDuplicatesOfEdit,
	patientEditPage,
	setPatientArchived,
	updatePatient
} from '$lib/server/patients';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

const FORBIDDEN =
	'Your role cannot change patients. Ask a receptionist, nurse, doctor or administrator.';
const NOT_FOUND = 'No patient with this address at this clinic.';

export const load: PageServerLoad = async ({ locals, params, parent, url }) => {
	const { role } = await parent();
	if (!canEditPatients(role)) error(403, FORBIDDEN);
	const page = await patientEditPage({ supabase: locals.supabase, id: params.id });
	if (!page) error(404, NOT_FOUND);
	const { patient, definitions } = page;
	const form = await superValidate(
		formValuesFromPatient(patient, definitions),
		zod4(patientFormSchema(definitions)),
		{ errors: false }
	);
	return {
		form,
		definitions,
		patient: {
			id: patient.id,
			mrn: patient.mrn,
			name: fullName(patient),
			archivedAt: patient.archived_at
		},
		confirmArchive: url.searchParams.get('confirm') === 'archive' && !patient.archived_at,
		notice: url.searchParams.get('notice'),
		role
	};
};

/** Every action: the caller's live role at this clinic may edit patients, and the patient exists. */
async function guard({ locals, params }: RequestEvent) {
	const acting = await actingMember(locals);
	if (!acting.ok) error(acting.status, acting.message);
	if (!canEditPatients(acting.member.role)) error(403, FORBIDDEN);
	const patient = await getPatientForEdit({ supabase: locals.supabase, id: params.id });
	if (!patient) error(404, NOT_FOUND);
	return patient;
}

export const actions: Actions = {
	save: async (event) => {
		const patient = await guard(event);
		const { locals, request } = event;
		const definitions = await activeFieldDefinitions({ supabase: locals.supabase });
		const form = await superValidate(request, zod4(patientFormSchema(definitions)));
		if (!form.valid) return fail(400, { form });

		// The edit would make this patient look like another one (as registration asks): show them,
		// with links to their charts, and save only when the person confirms it is someone else.
		if (!form.data.confirm_duplicate) {
			const duplicates = await likelyDuplicatesOfEdit({
				supabase: locals.supabase,
				id: patient.id,
				input: form.data,
				stored: patient,
				definitions
			});
			if (duplicates.length > 0) return fail(409, { form, duplicates });
		}

		const result = await updatePatient({
			supabase: locals.supabase,
			id: patient.id,
			input: form.data,
			definitions,
			storedCustomFields: (patient.custom_fields ?? {}) as Record<string, unknown>
		});
		if (!result.ok) {
			if (result.status === 403) error(403, result.message);
			return failForm(form, result);
		}
		// the confirmation was for this save only: the next one is checked again
		form.data.confirm_duplicate = false;
		return message(form, 'Saved.');
	},

	/** Second step of archiving: only the confirmation form posts `confirm=archive`. */
	archive: async (event) => {
		const patient = await guard(event);
		const data = await event.request.formData();
		if (data.get('confirm') !== 'archive')
			redirect(303, `/patients/${patient.id}/edit?confirm=archive`);
		const result = await setPatientArchived({
			supabase: event.locals.supabase,
			id: patient.id,
			archived: true
		});
		if (!result.ok) error(result.status, result.message);
		redirect(303, `/patients/${patient.id}/edit?notice=archived`);
	},

	unarchive: async (event) => {
		const patient = await guard(event);
		const result = await setPatientArchived({
			supabase: event.locals.supabase,
			id: patient.id,
			archived: false
		});
		if (!result.ok) error(result.status, result.message);
		redirect(303, `/patients/${patient.id}/edit?notice=restored`);
	}
};
