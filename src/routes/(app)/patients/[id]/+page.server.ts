import { error, fail, redirect } from '@sveltejs/kit';
import { message, setError, superValidate, type SuperValidated } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import {
	cancelSchema,
	collectSampleSchema,
	completePrescriptionSchema,
	labOrderSchema,
	labResultSchema,
	prescriptionSchema,
	stopPrescriptionSchema,
	visitSchema,
	visitStatusSchema
} from '$lib/schemas/clinical';
import {
	addVisit,
	cancelLabOrder,
	cancelVisit,
	collectSample,
	completePrescription,
	isUuid,
	loadChart,
	orderLab,
	prescribe,
	recordLabResult,
	setVisitStatus,
	stopPrescription,
	type Refusal
} from '$lib/server/chart';
import type { Cookies } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';

/**
 * Set by an action of this chart just before its answer; the load that follows (the redirect's
 * GET, or the enhanced form's invalidation) is the chart reloading after its own change, not an
 * opening, so it writes no 'view' audit row (the change is audited by the table's trigger).
 * Consumed by the next load of the same chart whatever happens, so a later genuine opening is
 * always logged.
 */
const ACTED_COOKIE = 'chart-acted';

function markActed(cookies: Cookies, url: URL, patientId: string) {
	cookies.set(ACTED_COOKIE, patientId, {
		path: `/patients/${patientId}`,
		httpOnly: true,
		sameSite: 'strict',
		secure: url.protocol === 'https:',
		maxAge: 60
	});
}

/** Whether this load runs right after one of this chart's actions (and forgets it). */
function afterAction(cookies: Cookies, request: Request, patientId: string): boolean {
	const acted = cookies.get(ACTED_COOKIE) === patientId;
	if (cookies.get(ACTED_COOKIE) !== undefined) {
		cookies.delete(ACTED_COOKIE, { path: `/patients/${patientId}` });
	}
	// Without JavaScript a refused form renders in the POST's own response: not an opening either.
	return acted || request.method === 'POST';
}

export const load: PageServerLoad = async ({ locals, params, parent, url, cookies, request }) => {
	// The layout makes this host's clinic the active one first; the chart is read as that clinic.
	const { role } = await parent();
	const chart = await loadChart({
		supabase: locals.supabase,
		patientId: params.id,
		logView: !afterAction(cookies, request, params.id)
	});
	if (!chart) error(404, 'Patient not found');
	const preselectOrder = url.searchParams.get('order') ?? '';
	const [
		visitForm,
		labOrderForm,
		labResultForm,
		prescriptionForm,
		completeForm,
		stopForm,
		collectForm,
		visitStatusForm,
		cancelForm
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
		superValidate(zod4(collectSampleSchema), { id: 'collect' }),
		superValidate(zod4(visitStatusSchema), { id: 'visit-status' }),
		superValidate(zod4(cancelSchema), { id: 'cancel' })
	]);
	return {
		chart,
		role,
		saved: url.searchParams.get('saved'),
		created: url.searchParams.get('created') === '1',
		visitForm,
		labOrderForm,
		labResultForm,
		prescriptionForm,
		completeForm,
		stopForm,
		collectForm,
		visitStatusForm,
		cancelForm
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
	visit: async ({ request, locals, params, cookies, url }) => {
		const patientId = patientIdOf(params);
		const form = await superValidate(request, zod4(visitSchema), { id: 'visit' });
		if (!form.valid) return fail(400, { form });
		const r = await addVisit({ supabase: locals.supabase, patientId, input: form.data });
		if (r) return refuse(form, r);
		markActed(cookies, url, patientId);
		redirect(303, `/patients/${patientId}?saved=visit#visits`);
	},

	orderLab: async ({ request, locals, params, cookies, url }) => {
		const patientId = patientIdOf(params);
		const form = await superValidate(request, zod4(labOrderSchema), { id: 'lab-order' });
		if (!form.valid) return fail(400, { form });
		const r = await orderLab({ supabase: locals.supabase, patientId, input: form.data });
		if (r) return refuse(form, r);
		markActed(cookies, url, patientId);
		redirect(303, `/patients/${patientId}?saved=lab-order#labs`);
	},

	collectSample: async ({ request, locals, params, cookies, url }) => {
		const patientId = patientIdOf(params);
		const form = await superValidate(request, zod4(collectSampleSchema), { id: 'collect' });
		if (!form.valid) return fail(400, { form });
		const r = await collectSample({ supabase: locals.supabase, patientId, input: form.data });
		if (r) return refuse(form, r);
		markActed(cookies, url, patientId);
		redirect(303, `/patients/${patientId}?saved=collected#labs`);
	},

	recordResult: async ({ request, locals, params, cookies, url }) => {
		const patientId = patientIdOf(params);
		const form = await superValidate(request, zod4(labResultSchema), { id: 'lab-result' });
		if (!form.valid) return fail(400, { form });
		const r = await recordLabResult({ supabase: locals.supabase, patientId, input: form.data });
		if (r) return refuse(form, r);
		markActed(cookies, url, patientId);
		redirect(303, `/patients/${patientId}?saved=lab-result#labs`);
	},

	prescribe: async ({ request, locals, params, cookies, url }) => {
		const patientId = patientIdOf(params);
		const form = await superValidate(request, zod4(prescriptionSchema), { id: 'prescription' });
		if (!form.valid) return fail(400, { form });
		const r = await prescribe({ supabase: locals.supabase, patientId, input: form.data });
		if (r) return refuse(form, r);
		markActed(cookies, url, patientId);
		redirect(303, `/patients/${patientId}?saved=prescription#prescriptions`);
	},

	completePrescription: async ({ request, locals, params, cookies, url }) => {
		const patientId = patientIdOf(params);
		const form = await superValidate(request, zod4(completePrescriptionSchema), { id: 'complete' });
		if (!form.valid) return fail(400, { form });
		const r = await completePrescription({
			supabase: locals.supabase,
			patientId,
			input: form.data
		});
		if (r) return refuse(form, r);
		markActed(cookies, url, patientId);
		redirect(303, `/patients/${patientId}?saved=completed#prescriptions`);
	},

	stopPrescription: async ({ request, locals, params, cookies, url }) => {
		const patientId = patientIdOf(params);
		const form = await superValidate(request, zod4(stopPrescriptionSchema), { id: 'stop' });
		if (!form.valid) return fail(400, { form });
		// First submit asks for confirmation (works without JavaScript); the second one stops it.
		if (!form.data.confirmed) {
			markActed(cookies, url, patientId);
			return message(form, 'confirm');
		}
		const r = await stopPrescription({ supabase: locals.supabase, patientId, input: form.data });
		if (r) {
			form.data.confirmed = false;
			return refuse(form, r);
		}
		markActed(cookies, url, patientId);
		redirect(303, `/patients/${patientId}?saved=stopped#prescriptions`);
	},

	visitStatus: async ({ request, locals, params, cookies, url }) => {
		const patientId = patientIdOf(params);
		// No fixed id: each visit's button posts its own, so the answer reaches that button.
		const form = await superValidate(request, zod4(visitStatusSchema));
		if (!form.valid) return fail(400, { form });
		const r = await setVisitStatus({ supabase: locals.supabase, patientId, input: form.data });
		if (r) return refuse(form, r);
		markActed(cookies, url, patientId);
		redirect(
			303,
			`/patients/${patientId}?saved=${form.data.status === 'in_progress' ? 'visit-started' : 'visit-completed'}#visits`
		);
	},

	cancelVisit: async ({ request, locals, params, cookies, url }) => {
		const patientId = patientIdOf(params);
		const form = await superValidate(request, zod4(cancelSchema));
		if (!form.valid) return fail(400, { form });
		// First submit asks for confirmation (works without JavaScript); the second one cancels.
		if (!form.data.confirmed) {
			markActed(cookies, url, patientId);
			return message(form, 'confirm');
		}
		const r = await cancelVisit({ supabase: locals.supabase, patientId, input: form.data });
		if (r) {
			form.data.confirmed = false;
			return refuse(form, r);
		}
		markActed(cookies, url, patientId);
		redirect(303, `/patients/${patientId}?saved=visit-cancelled#visits`);
	},

	cancelLabOrder: async ({ request, locals, params, cookies, url }) => {
		const patientId = patientIdOf(params);
		const form = await superValidate(request, zod4(cancelSchema));
		if (!form.valid) return fail(400, { form });
		if (!form.data.confirmed) {
			markActed(cookies, url, patientId);
			return message(form, 'confirm');
		}
		const r = await cancelLabOrder({ supabase: locals.supabase, patientId, input: form.data });
		if (r) {
			form.data.confirmed = false;
			return refuse(form, r);
		}
		markActed(cookies, url, patientId);
		redirect(303, `/patients/${patientId}?saved=lab-cancelled#labs`);
	}
};
