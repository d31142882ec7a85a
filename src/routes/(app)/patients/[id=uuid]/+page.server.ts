import { error, fail, redirect } from '@sveltejs/kit';
import { message, superValidate } from 'sveltekit-superforms';
import { zod4, type ValidationAdapter } from 'sveltekit-superforms/adapters';
import {
	allergySchema,
	allergyStatusSchema,
	amendNoteSchema,
	can,
	cancelSchema,
	collectSampleSchema,
	correctResultSchema,
	dispenseSchema,
	labOrderSchema,
	labResultSchema,
	noKnownAllergiesSchema,
	noteSchema,
	prescriptionSchema,
	problemSchema,
	problemStatusSchema,
	stopPrescriptionSchema,
	visitSchema,
	visitStatusSchema,
	VITAL_KEYS
} from '$lib/schemas/clinical';
import {
	addAllergy,
	addProblem,
	addVisit,
	amendNote,
	cancelLabOrder,
	cancelVisit,
	checkDispense,
	collectSample,
	correctLabResult,
	dispense,
	limitsOf,
	loadChart,
	noteTemplates,
	orderLab,
	prescribe,
	recordLabResult,
	recordNoKnownAllergies,
	saveNoteDraft,
	setAllergyStatus,
	setProblemStatus,
	setVisitStatus,
	signNote,
	stopPrescription,
	type Chart
} from '$lib/server/chart';
import { openOf, type ChartOpen } from '$lib/components/chart/open';
import { failForm, type Result } from '$lib/server/refusals';
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

/**
 * Whether this load is the chart reloading itself rather than an opening: right after one of its
 * actions (and forgets that), a refused form rendered in the POST's own response (without
 * JavaScript), or the chart's own links within the page (opening a form, "show more") followed by
 * the client router, which sends the chart itself as the referrer.
 */
function reloadOfItself(
	cookies: Cookies,
	request: Request,
	patientId: string,
	isDataRequest: boolean,
	url: URL
): boolean {
	const acted = cookies.get(ACTED_COOKIE) === patientId;
	if (cookies.get(ACTED_COOKIE) !== undefined) {
		cookies.delete(ACTED_COOKIE, { path: `/patients/${patientId}` });
	}
	let fromItself = false;
	if (isDataRequest) {
		try {
			const referrer = new URL(request.headers.get('referer') ?? '');
			fromItself = referrer.origin === url.origin && referrer.pathname === `/patients/${patientId}`;
		} catch {
			fromItself = false;
		}
	}
	return acted || request.method === 'POST' || fromItself;
}

/** The note's vitals as the form's fields. */
function vitalFields(vitals: Record<string, number>) {
	return Object.fromEntries(
		VITAL_KEYS.filter((k) => typeof vitals[k] === 'number').map((k) => [k, vitals[k]])
	);
}

/** Initial values of the one row form the URL opens (a note, a result, a fill, …), if any. */
function rowFormValues(chart: Chart, open: ChartOpen, templateBody: string | null) {
	const visit = chart.visits.find((v) => v.id === open.id);
	const order = chart.labOrders.find((o) => o.id === open.id);
	const rx = chart.prescriptions.find((p) => p.id === open.id);
	const current = order?.lab_result_amendments.at(-1) ?? order;
	return {
		note:
			open.kind === 'note' && visit
				? {
						visit_id: visit.id,
						notes: visit.note?.notes || templateBody || '',
						...vitalFields(visit.note?.vitals ?? {})
					}
				: {},
		amend:
			open.kind === 'amend' && visit?.note
				? { visit_id: visit.id, notes: visit.note.notes ?? '', ...vitalFields(visit.note.vitals) }
				: {},
		result: open.kind === 'result' && order ? { order_id: order.id } : {},
		correct:
			open.kind === 'correct' && order && current
				? {
						order_id: order.id,
						result_value: current.result_value ?? '',
						result_unit: current.result_unit ?? '',
						reference_range: current.reference_range ?? '',
						result_flag: current.result_flag ?? undefined,
						result_notes: current.result_notes ?? ''
					}
				: {},
		dispense:
			open.kind === 'dispense' && rx ? { prescription_id: rx.id, quantity: rx.quantity } : {}
	};
}

export const load: PageServerLoad = async (event) => {
	const { locals, params, parent, url, cookies, request, isDataRequest } = event;
	// The layout makes this host's clinic the active one first; the chart is read as that clinic.
	const { role } = await parent();
	const open = openOf(url);
	const wantsTemplates = open.kind === 'note' && can(role, 'writeNotes');
	const [chart, templates] = await Promise.all([
		loadChart({
			supabase: locals.supabase,
			patientId: params.id,
			logView: !reloadOfItself(cookies, request, params.id, isDataRequest, url),
			limits: limitsOf(url),
			medications: can(role, 'readPrescriptions')
		}),
		wantsTemplates ? noteTemplates(locals.supabase) : Promise.resolve([])
	]);
	if (!chart) error(404, 'Patient not found');
	const template = templates.find((t) => t.id === url.searchParams.get('template'));
	const values = rowFormValues(chart, open, template?.body ?? null);
	const quiet = { errors: false } as const;
	// every form of the chart, each with its own superforms id
	const forms = await settled({
		visitForm: superValidate(zod4(visitSchema), { id: 'visit' }),
		noteForm: superValidate(values.note, zod4(noteSchema), { id: 'note', ...quiet }),
		amendForm: superValidate(values.amend, zod4(amendNoteSchema), { id: 'amend', ...quiet }),
		labOrderForm: superValidate(zod4(labOrderSchema), { id: 'lab-order' }),
		labResultForm: superValidate(values.result, zod4(labResultSchema), {
			id: 'lab-result',
			...quiet
		}),
		correctForm: superValidate(values.correct, zod4(correctResultSchema), {
			id: 'correct',
			...quiet
		}),
		prescriptionForm: superValidate(zod4(prescriptionSchema), { id: 'prescription' }),
		dispenseForm: superValidate(values.dispense, zod4(dispenseSchema), {
			id: 'dispense',
			...quiet
		}),
		stopForm: superValidate(zod4(stopPrescriptionSchema), { id: 'stop' }),
		collectForm: superValidate(zod4(collectSampleSchema), { id: 'collect' }),
		visitStatusForm: superValidate(zod4(visitStatusSchema), { id: 'visit-status' }),
		cancelForm: superValidate(zod4(cancelSchema), { id: 'cancel' }),
		allergyForm: superValidate(zod4(allergySchema), { id: 'allergy' }),
		allergyStatusForm: superValidate(zod4(allergyStatusSchema), { id: 'allergy-status' }),
		nkaForm: superValidate(zod4(noKnownAllergiesSchema), { id: 'nka' }),
		problemForm: superValidate(zod4(problemSchema), { id: 'problem' }),
		problemStatusForm: superValidate(zod4(problemStatusSchema), { id: 'problem-status' })
	});
	return {
		chart,
		role,
		open,
		templates: templates.map(({ id, name }) => ({ id, name })),
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

type Save<T> = (args: {
	supabase: App.Locals['supabase'];
	patientId: string;
	input: T;
}) => Promise<Result>;

/**
 * One chart form action: validate with the form's schema, let the database decide (RLS and the
 * tables' triggers), put a refusal next to its field, or go back to the chart's section. With
 * `confirm`, a first submit only asks for confirmation (works without JavaScript); `prepare` runs
 * before that question (signing saves the draft first, so nothing typed is lost).
 */
function chartAction<T extends Record<string, unknown>>(opts: {
	adapter: ValidationAdapter<T>;
	/** A fixed superforms id when the page has one such form; none when each row posts its own. */
	formId?: string;
	save: Save<T>;
	prepare?: Save<T>;
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
		const args = { supabase: locals.supabase, patientId, input: form.data };
		if (opts.prepare) {
			const prepared = await opts.prepare(args);
			if (!prepared.ok) {
				data.confirmed = false;
				return failForm(form, prepared);
			}
		}
		if (opts.confirm && !data.confirmed) {
			markActed(cookies, url, patientId);
			return message(form, 'confirm');
		}
		const r = await opts.save(args);
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
	saveNote: chartAction({
		adapter: zod4(noteSchema),
		formId: 'note',
		save: saveNoteDraft,
		done: () => 'note-saved#visits'
	}),
	signNote: chartAction({
		adapter: zod4(noteSchema),
		formId: 'note',
		prepare: saveNoteDraft,
		save: signNote,
		done: () => 'note-signed#visits',
		confirm: true
	}),
	amendNote: chartAction({
		adapter: zod4(amendNoteSchema),
		formId: 'amend',
		save: amendNote,
		done: () => 'note-amended#visits'
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
	correctResult: chartAction({
		adapter: zod4(correctResultSchema),
		formId: 'correct',
		save: correctLabResult,
		done: () => 'result-corrected#labs'
	}),
	prescribe: chartAction({
		adapter: zod4(prescriptionSchema),
		formId: 'prescription',
		save: prescribe,
		done: () => 'prescription#prescriptions'
	}),
	dispense: chartAction({
		adapter: zod4(dispenseSchema),
		formId: 'dispense',
		prepare: checkDispense,
		save: dispense,
		done: () => 'dispensed#prescriptions',
		confirm: true
	}),
	stopPrescription: chartAction({
		adapter: zod4(stopPrescriptionSchema),
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
	}),
	addAllergy: chartAction({
		adapter: zod4(allergySchema),
		formId: 'allergy',
		save: addAllergy,
		done: () => 'allergy#safety'
	}),
	allergyStatus: chartAction({
		adapter: zod4(allergyStatusSchema),
		save: setAllergyStatus,
		done: () => 'allergy-status#safety'
	}),
	noKnownAllergies: chartAction({
		adapter: zod4(noKnownAllergiesSchema),
		formId: 'nka',
		save: recordNoKnownAllergies,
		done: () => 'nka#safety'
	}),
	addProblem: chartAction({
		adapter: zod4(problemSchema),
		formId: 'problem',
		save: addProblem,
		done: () => 'problem#safety'
	}),
	problemStatus: chartAction({
		adapter: zod4(problemStatusSchema),
		save: setProblemStatus,
		done: () => 'problem-status#safety'
	})
} satisfies Actions;
