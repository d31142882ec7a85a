import { error, fail, redirect } from '@sveltejs/kit';
import { message, setError, superValidate, type SuperValidated } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import {
	collectSampleSchema,
	completePrescriptionSchema,
	labOrderSchema,
	labResultSchema,
	prescriptionSchema,
	stopPrescriptionSchema,
	visitSchema
} from '$lib/schemas/clinical';
import {
	addVisit,
	collectSample,
	completePrescription,
	isUuid,
	loadChart,
	orderLab,
	prescribe,
	recordLabResult,
	stopPrescription,
	type Refusal
} from '$lib/server/chart';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params, parent, url }) => {
	// The layout makes this host's clinic the active one first; the chart is read as that clinic.
	const { role } = await parent();
	const chart = await loadChart({ supabase: locals.supabase, patientId: params.id });
	if (!chart) error(404, 'Patient not found');
	const preselectOrder = url.searchParams.get('order') ?? '';
	const [
		visitForm,
		labOrderForm,
		labResultForm,
		prescriptionForm,
		completeForm,
		stopForm,
		collectForm
	] = await Promise.all([
		superValidate(zod4(visitSchema), { id: 'visit' }),
		superValidate(zod4(labOrderSchema), { id: 'lab-order' }),
		superValidate(
			isUuid(preselectOrder) ? { order_id: preselectOrder } : {},
			zod4(labResultSchema),
			{ id: 'lab-result', errors: false }
		),
		superValidate(zod4(prescriptionSchema), { id: 'prescription' }),
		superValidate(zod4(completePrescriptionSchema), { id: 'complete' }),
		superValidate(zod4(stopPrescriptionSchema), { id: 'stop' }),
		superValidate(zod4(collectSampleSchema), { id: 'collect' })
	]);
	return {
		chart,
		role,
		saved: url.searchParams.get('saved'),
		visitForm,
		labOrderForm,
		labResultForm,
		prescriptionForm,
		completeForm,
		stopForm,
		collectForm
	};
};

function patientIdOf(params: { id: string }): string {
	if (!isUuid(params.id)) error(404, 'Patient not found');
	return params.id;
}

/** Puts a database refusal next to its field, or at the top of the form. */
function refuse<T extends Record<string, unknown>>(form: SuperValidated<T>, r: Refusal) {
	// Field names come from the schema's own keys (refusal() only returns listed ones).
	return setError(form, (r.field ?? '') as '', r.message, { status: 400 });
}

export const actions: Actions = {
	visit: async ({ request, locals, params }) => {
		const patientId = patientIdOf(params);
		const form = await superValidate(request, zod4(visitSchema), { id: 'visit' });
		if (!form.valid) return fail(400, { form });
		const r = await addVisit({ supabase: locals.supabase, patientId, input: form.data });
		if (r) return refuse(form, r);
		redirect(303, `/patients/${patientId}?saved=visit#visits`);
	},

	orderLab: async ({ request, locals, params }) => {
		const patientId = patientIdOf(params);
		const form = await superValidate(request, zod4(labOrderSchema), { id: 'lab-order' });
		if (!form.valid) return fail(400, { form });
		const r = await orderLab({ supabase: locals.supabase, patientId, input: form.data });
		if (r) return refuse(form, r);
		redirect(303, `/patients/${patientId}?saved=lab-order#labs`);
	},

	collectSample: async ({ request, locals, params }) => {
		const patientId = patientIdOf(params);
		const form = await superValidate(request, zod4(collectSampleSchema), { id: 'collect' });
		if (!form.valid) return fail(400, { form });
		const r = await collectSample({ supabase: locals.supabase, patientId, input: form.data });
		if (r) return refuse(form, r);
		redirect(303, `/patients/${patientId}?saved=collected#labs`);
	},

	recordResult: async ({ request, locals, params }) => {
		const patientId = patientIdOf(params);
		const form = await superValidate(request, zod4(labResultSchema), { id: 'lab-result' });
		if (!form.valid) return fail(400, { form });
		const r = await recordLabResult({ supabase: locals.supabase, patientId, input: form.data });
		if (r) return refuse(form, r);
		redirect(303, `/patients/${patientId}?saved=lab-result#labs`);
	},

	prescribe: async ({ request, locals, params }) => {
		const patientId = patientIdOf(params);
		const form = await superValidate(request, zod4(prescriptionSchema), { id: 'prescription' });
		if (!form.valid) return fail(400, { form });
		const r = await prescribe({ supabase: locals.supabase, patientId, input: form.data });
		if (r) return refuse(form, r);
		redirect(303, `/patients/${patientId}?saved=prescription#prescriptions`);
	},

	completePrescription: async ({ request, locals, params }) => {
		const patientId = patientIdOf(params);
		const form = await superValidate(request, zod4(completePrescriptionSchema), { id: 'complete' });
		if (!form.valid) return fail(400, { form });
		const r = await completePrescription({
			supabase: locals.supabase,
			patientId,
			input: form.data
		});
		if (r) return refuse(form, r);
		redirect(303, `/patients/${patientId}?saved=completed#prescriptions`);
	},

	stopPrescription: async ({ request, locals, params }) => {
		const patientId = patientIdOf(params);
		const form = await superValidate(request, zod4(stopPrescriptionSchema), { id: 'stop' });
		if (!form.valid) return fail(400, { form });
		// First submit asks for confirmation (works without JavaScript); the second one stops it.
		if (!form.data.confirmed) return message(form, 'confirm');
		const r = await stopPrescription({ supabase: locals.supabase, patientId, input: form.data });
		if (r) {
			form.data.confirmed = false;
			return refuse(form, r);
		}
		redirect(303, `/patients/${patientId}?saved=stopped#prescriptions`);
	}
};
