import { error, fail, redirect } from '@sveltejs/kit';
import { message, superValidate } from 'sveltekit-superforms';
import { zod4, type ValidationAdapter } from 'sveltekit-superforms/adapters';
import {
	cancelSchema,
	collectSampleSchema,
	completePrescriptionSchema,
	labOrderSchema,
	labResultSchema,
	prescriptionSchema,
	stopPrescriptionSchema,
	visitNotesSchema,
	visitSchema,
	visitStatusSchema
} from '$lib/schemas/clinical';
import {
	addVisit,
	cancelLabOrder,
	cancelVisit,
	collectSample,
	completePrescription,
	loadChart,
	orderLab,
	prescribe,
	recordLabResult,
	saveVisitNotes,
	setVisitStatus,
	stopPrescription
} from '$lib/server/chart';
import { failForm, type Result } from '$lib/server/refusals';
import { isUuid } from '$lib/uuid';
import type { Cookies } from '@sveltejs/kit';
import type { Action, Actions, PageServerLoad } from './$types';

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
	// every form of the chart, each with its own superforms id
	const forms = await settled({
		visitForm: superValidate(zod4(visitSchema), { id: 'visit' }),
		labOrderForm: superValidate(zod4(labOrderSchema), { id: 'lab-order' }),
		labResultForm: superValidate(
			isUuid(preselectOrder) ? { order_id: preselectOrder } : {},
			zod4(labResultSchema),
			{ id: 'lab-result', errors: false }
		),
		prescriptionForm: superValidate(zod4(prescriptionSchema), { id: 'prescription' }),
		completeForm: superValidate(zod4(completePrescriptionSchema), { id: 'complete' }),
		stopForm: superValidate(zod4(stopPrescriptionSchema), { id: 'stop' }),
		collectForm: superValidate(zod4(collectSampleSchema), { id: 'collect' }),
		visitStatusForm: superValidate(zod4(visitStatusSchema), { id: 'visit-status' }),
		visitNotesForm: superValidate(zod4(visitNotesSchema), { id: 'visit-notes' }),
		cancelForm: superValidate(zod4(cancelSchema), { id: 'cancel' })
	});
	return {
		chart,
		role,
		saved: url.searchParams.get('saved'),
		created: url.searchParams.get('created') === '1',
		...forms
	};
};

/** Awaits every promise of an object concurrently, keeping each one's key and type. */
async function settled<T extends Record<string, Promise<unknown>>>(
	promises: T
): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
	const entries = await Promise.all(
		Object.entries(promises).map(async ([key, promise]) => [key, await promise] as const)
	);
	return Object.fromEntries(entries) as { [K in keyof T]: Awaited<T[K]> };
}

/**
 * One chart form action: validate with the form's schema, let the database decide (RLS and the
 * tables' triggers), put a refusal next to its field, or go back to the chart's section. With
 * `confirm`, a first submit only asks for confirmation (works without JavaScript).
 */
function chartAction<T extends Record<string, unknown>>(opts: {
	adapter: ValidationAdapter<T>;
	/** A fixed superforms id when the page has one such form; none when each row posts its own. */
	formId?: string;
	save: (args: {
		supabase: App.Locals['supabase'];
		patientId: string;
		input: T;
	}) => Promise<Result>;
	/** `?saved=` value and section anchor of the chart after success. */
	done: (input: T) => `${string}#${string}`;
	confirm?: boolean;
}): Action {
	return async ({ request, locals, params, cookies, url }) => {
		const patientId = params.id;
		const form = await superValidate(
			request,
			opts.adapter,
			opts.formId ? { id: opts.formId } : undefined
		);
		if (!form.valid) return fail(400, { form });
		const data = form.data as T & { confirmed?: boolean };
		if (opts.confirm && !data.confirmed) {
			markActed(cookies, url, patientId);
			return message(form, 'confirm');
		}
		const r = await opts.save({ supabase: locals.supabase, patientId, input: form.data });
		if (!r.ok) {
			if (opts.confirm) data.confirmed = false;
			return failForm(form, r);
		}
		markActed(cookies, url, patientId);
		const [saved, anchor] = opts.done(form.data).split('#');
		redirect(303, `/patients/${patientId}?saved=${saved}#${anchor}`);
	};
}

export const actions = {
	visit: chartAction({
		adapter: zod4(visitSchema),
		formId: 'visit',
		save: addVisit,
		done: () => 'visit#visits'
	}),
	orderLab: chartAction({
		adapter: zod4(labOrderSchema),
		formId: 'lab-order',
		save: orderLab,
		done: () => 'lab-order#labs'
	}),
	collectSample: chartAction({
		adapter: zod4(collectSampleSchema),
		formId: 'collect',
		save: collectSample,
		done: () => 'collected#labs'
	}),
	recordResult: chartAction({
		adapter: zod4(labResultSchema),
		formId: 'lab-result',
		save: recordLabResult,
		done: () => 'lab-result#labs'
	}),
	prescribe: chartAction({
		adapter: zod4(prescriptionSchema),
		formId: 'prescription',
		save: prescribe,
		done: () => 'prescription#prescriptions'
	}),
	completePrescription: chartAction({
		adapter: zod4(completePrescriptionSchema),
		formId: 'complete',
		save: completePrescription,
		done: () => 'completed#prescriptions'
	}),
	stopPrescription: chartAction({
		adapter: zod4(stopPrescriptionSchema),
		formId: 'stop',
		save: stopPrescription,
		done: () => 'stopped#prescriptions',
		confirm: true
	}),
	visitStatus: chartAction({
		adapter: zod4(visitStatusSchema),
		save: setVisitStatus,
		done: (input) =>
			input.status === 'in_progress' ? 'visit-started#visits' : 'visit-completed#visits'
	}),
	visitNotes: chartAction({
		adapter: zod4(visitNotesSchema),
		save: saveVisitNotes,
		done: (input) => `visit-notes#visit-${input.visit_id}`
	}),
	cancelVisit: chartAction({
		adapter: zod4(cancelSchema),
		save: cancelVisit,
		done: () => 'visit-cancelled#visits',
		confirm: true
	}),
	cancelLabOrder: chartAction({
		adapter: zod4(cancelSchema),
		save: cancelLabOrder,
		done: () => 'lab-cancelled#labs',
		confirm: true
	})
} satisfies Actions;
