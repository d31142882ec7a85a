import { error, fail, redirect } from '@sveltejs/kit';
import { message, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { toLocalDateTime } from '$lib/format';
import { inRoleSet } from '$lib/roles';
import {
	appointmentStatusSchema,
	cancelAppointmentSchema,
	moveSchema,
	startVisitSchema
} from '$lib/schemas/diary';
import {
	cancelAppointment,
	diaryPage,
	loadAppointment,
	moveAppointment,
	setAppointmentStatus,
	startVisit
} from '$lib/server/diary';
import { backTo, diaryActor } from '$lib/server/diary-actions';
import { failForm } from '$lib/server/refusals';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params, parent }) => {
	const { role, organizationId, timeZone } = await parent();
	if (!inRoleSet(role, 'care_team_roles') && role !== 'support') {
		error(403, 'The diary is kept by the care team.');
	}
	// the appointment and the clinic's clinicians in one request (diary_page)
	const { appointment, clinicians: people } = await diaryPage({
		supabase: locals.supabase,
		organizationId,
		appointmentId: params.id
	});
	// another clinic's appointment and one that does not exist read the same
	if (!appointment) error(404, 'Appointment not found');
	const minutes = Math.round(
		(Date.parse(appointment.ends_at) - Date.parse(appointment.starts_at)) / 60_000
	);
	const id = appointment.id;
	return {
		appointment,
		clinicians: people,
		canWrite: inRoleSet(role, 'care_team_roles'),
		moveForm: await superValidate(
			{
				appointment_id: id,
				clinician_id: appointment.clinician_id,
				starts_at: toLocalDateTime(appointment.starts_at, timeZone),
				duration: minutes
			},
			zod4(moveSchema),
			{ id: 'move', errors: false }
		),
		cancelForm: await superValidate({ appointment_id: id }, zod4(cancelAppointmentSchema), {
			id: 'cancel',
			errors: false
		}),
		statusForm: await superValidate({ appointment_id: id }, zod4(appointmentStatusSchema), {
			id: 'status',
			errors: false
		}),
		startForm: await superValidate({ appointment_id: id }, zod4(startVisitSchema), {
			id: 'start',
			errors: false
		})
	};
};

export const actions: Actions = {
	/** Moves a booked appointment (time, length, clinician); a clash is answered next to the time. */
	move: async ({ request, locals, params }) => {
		const actor = await diaryActor(locals);
		const form = await superValidate(request, zod4(moveSchema), { id: 'move' });
		if (!form.valid || form.data.appointment_id !== params.id) return fail(400, { form });
		const r = await moveAppointment({
			supabase: locals.supabase,
			timeZone: actor.timeZone,
			input: form.data
		});
		if (!r.ok) return failForm(form, r);
		redirect(303, `/diary/${params.id}?saved=moved`);
	},

	/** Cancelling: the reason, then a confirmation the server renders (works without JavaScript). */
	cancel: async ({ request, locals, params }) => {
		await diaryActor(locals);
		const form = await superValidate(request, zod4(cancelAppointmentSchema), { id: 'cancel' });
		if (!form.valid || form.data.appointment_id !== params.id) return fail(400, { form });
		if (!form.data.confirmed) return message(form, 'confirm');
		const r = await cancelAppointment({
			supabase: locals.supabase,
			appointmentId: params.id,
			reason: form.data.cancel_reason
		});
		if (!r.ok) {
			form.data.confirmed = false;
			return failForm(form, r);
		}
		redirect(303, `/diary/${params.id}?saved=cancelled`);
	},

	/** Arrived, arrival undone, or no-show; from this page, the diary's list or the dashboard. */
	status: async ({ request, locals, params }) => {
		await diaryActor(locals);
		const data = await request.formData();
		const form = await superValidate(data, zod4(appointmentStatusSchema), { id: 'status' });
		if (!form.valid || form.data.appointment_id !== params.id) return fail(400, { form });
		const r = await setAppointmentStatus({
			supabase: locals.supabase,
			appointmentId: params.id,
			status: form.data.status
		});
		if (!r.ok) return failForm(form, r);
		redirect(303, backTo(data.get('back'), `/diary/${params.id}?saved=${form.data.status}`));
	},

	/**
	 * Starts the visit (the appointment's patient, clinician and time) and opens it on the chart,
	 * where the clinician writes.
	 */
	startVisit: async ({ request, locals, params }) => {
		await diaryActor(locals);
		const form = await superValidate(request, zod4(startVisitSchema), { id: 'start' });
		if (!form.valid || form.data.appointment_id !== params.id) return fail(400, { form });
		const appointment = await loadAppointment({ supabase: locals.supabase, id: params.id });
		if (!appointment) error(404, 'Appointment not found');
		const r = await startVisit({ supabase: locals.supabase, appointment });
		if (!r.ok) return failForm(form, r);
		redirect(
			303,
			`/patients/${r.patientId}?open=note&id=${r.visitId}&from=diary#visit-${r.visitId}`
		);
	}
};
