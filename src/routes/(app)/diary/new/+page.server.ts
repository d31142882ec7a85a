import { error, fail, redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { isLocalDateTime } from '$lib/format';
import { inRoleSet } from '$lib/roles';
import { bookSchema, DEFAULT_DURATION } from '$lib/schemas/diary';
import { bookAppointment, diaryPage, findPatients } from '$lib/server/diary';
import { diaryActor } from '$lib/server/diary-actions';
import { failForm } from '$lib/server/refusals';
import { isUuid } from '$lib/uuid';
import type { Actions, PageServerLoad } from './$types';

/**
 * Booking from a free slot: `?clinician=<id>&start=YYYY-MM-DDTHH:MM` (the clinic's wall clock) come
 * from the slot, `?patient=<id>` from a chart; the patient is found with the inline search.
 */
export const load: PageServerLoad = async ({ locals, parent, url }) => {
	const { role, organizationId, user } = await parent();
	if (!inRoleSet(role, 'care_team_roles')) error(403, 'The diary is kept by the care team.');
	const param = (name: string) => url.searchParams.get(name) ?? '';
	const patientId = isUuid(param('patient')) ? param('patient') : '';
	// the clinic's clinicians and the chosen patient in one request (diary_page)
	const { clinicians: people, patient: chosen } = await diaryPage({
		supabase: locals.supabase,
		organizationId,
		patientId: patientId || null
	});
	const clinician = isUuid(param('clinician'))
		? param('clinician')
		: (people.find((c) => c.id === user.id)?.id ?? '');
	const form = await superValidate(
		{
			clinician_id: clinician,
			starts_at: isLocalDateTime(param('start')) ? param('start').slice(0, 16) : '',
			duration: DEFAULT_DURATION,
			patient_id: chosen?.id ?? ''
		},
		zod4(bookSchema),
		{ id: 'book', errors: false }
	);
	return {
		form,
		clinicians: people,
		chosenPatient: chosen
	};
};

export const actions: Actions = {
	/** Without JavaScript: the form's Search button; shows matching patients, keeps what was typed. */
	search: async ({ request, locals }) => {
		await diaryActor(locals);
		const form = await superValidate(request, zod4(bookSchema), { id: 'book', errors: false });
		const found = await findPatients({ supabase: locals.supabase, q: form.data.q });
		if (!found.ok) {
			failForm(form, found); // the reason next to the search box
			return fail(found.status, { form, patients: [], searched: form.data.q });
		}
		return { form, patients: found.patients, searched: form.data.q };
	},

	book: async ({ request, locals }) => {
		const actor = await diaryActor(locals);
		const form = await superValidate(request, zod4(bookSchema), { id: 'book' });
		if (!form.valid) return fail(400, { form });
		const r = await bookAppointment({
			supabase: locals.supabase,
			timeZone: actor.timeZone,
			input: form.data
		});
		if (!r.ok) return failForm(form, r);
		const day = form.data.starts_at.slice(0, 10);
		redirect(303, `/diary?day=${day}&clinician=${form.data.clinician_id}&booked=${r.id}`);
	}
};
