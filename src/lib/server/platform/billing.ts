/** Plans, subscriptions and invoices for the platform console (RPCs as the platform admin). */
import { error as kitError } from '@sveltejs/kit';
import type { Db } from '../db';
import { parseAmount } from '$lib/money';
import { limitValue, type PlanInput } from '$lib/schemas/platform';
import { DONE, refusalOf, refuse, type Result } from '../refusals';
import { readOrThrow } from '../reads';

export async function listPlans(opts: { supabase: Db }) {
	const data = await readOrThrow(
		'plans failed',
		opts.supabase
			.from('plans')
			.select('id, name, seat_limit, patient_limit, monthly_price_cents, currency')
			.order('monthly_price_cents')
			.order('id')
	);
	return data ?? [];
}

/** How the plan form reads the database's refusals: HINT names the form field. */
const PLAN_FIELDS = {
	id: 'id',
	name: 'name',
	seat_limit: 'seat_limit',
	patient_limit: 'patient_limit',
	monthly_price: 'monthly_price',
	currency: 'currency'
} as const;
type PlanField = (typeof PLAN_FIELDS)[keyof typeof PLAN_FIELDS];

/**
 * Creates or updates a plan: the price typed in the plan's currency is stored in its minor unit
 * (the schema has checked it converts exactly). The database refuses limits below what a clinic
 * on the plan already uses, naming the clinics and the numbers (409, next to the limit).
 */
export async function savePlan(opts: {
	supabase: Db;
	plan: PlanInput;
}): Promise<Result<object, PlanField>> {
	const { plan } = opts;
	const price = parseAmount(plan.monthly_price, plan.currency);
	if (!price.ok) return refuse(price.message, { field: 'monthly_price' });
	const { error } = await opts.supabase.rpc('platform_save_plan', {
		id: plan.id,
		name: plan.name,
		// null = unlimited; the generated types do not know SQL arguments may be null
		seat_limit: limitValue(plan.seat_limit) as number,
		patient_limit: limitValue(plan.patient_limit) as number,
		monthly_price_cents: price.minor,
		currency: plan.currency
	});
	return error
		? refusalOf(error, { fields: PLAN_FIELDS, otherwise: 'id', conflicts: ['plan_limits'] })
		: DONE;
}

/** A plan and the clinics that use it (the first few by name, and how many), for its deletion. */
export async function planUsage(opts: { supabase: Db; id: string }) {
	const [plan, clinics] = await Promise.all([
		opts.supabase
			.from('plans')
			.select('id, name, seat_limit, patient_limit, monthly_price_cents, currency')
			.eq('id', opts.id)
			.maybeSingle(),
		opts.supabase
			.from('organizations')
			.select('id, name', { count: 'exact' })
			.eq('plan_id', opts.id)
			.order('name')
			.limit(5)
	]);
	if (plan.error) throw new Error(`plans failed: ${plan.error.message}`);
	if (clinics.error) throw new Error(`organizations failed: ${clinics.error.message}`);
	if (!plan.data) return null;
	return { plan: plan.data, clinics: clinics.data ?? [], clinicCount: clinics.count ?? 0 };
}

/**
 * Deletes an unused plan; refused (with the clinics named) when clinics use it, when it is the
 * default plan of new clinics, or when invoices refer to it.
 */
export async function deletePlan(opts: { supabase: Db; id: string }): Promise<Result> {
	const { error } = await opts.supabase.rpc('platform_delete_plan', { id: opts.id });
	return error
		? refusalOf(error, { fields: { id: 'id' }, otherwise: 'id', conflicts: ['plan_in_use'] })
		: DONE;
}

/**
 * Moves a clinic to another plan: its subscription and organizations.plan_id (the limits). The
 * database refuses (409, with the numbers) a plan whose limits the clinic already exceeds, unless
 * `overrideReason` says why it may go over them; the override is recorded in both trails.
 */
export async function changePlan(opts: {
	supabase: Db;
	organizationId: string;
	planId: string;
	overrideReason?: string | null;
}): Promise<Result<object, 'plan_id' | 'override_reason'>> {
	const { error } = await opts.supabase.rpc('platform_change_plan', {
		organization_id: opts.organizationId,
		plan_id: opts.planId,
		...(opts.overrideReason ? { override_reason: opts.overrideReason } : {})
	});
	return error
		? refusalOf(error, {
				fields: { plan_id: 'plan_id', override_reason: 'override_reason' },
				otherwise: 'plan_id',
				conflicts: ['plan_limits']
			})
		: DONE;
}

/** The invoice of the clinic's current billing period (created once). */
export async function generateInvoice(opts: {
	supabase: Db;
	organizationId: string;
}): Promise<string> {
	const { data, error } = await opts.supabase.rpc('generate_invoice', { org: opts.organizationId });
	// No such clinic or subscription (PT404), a canceled one (23514): answers, not server faults.
	if (error?.code === 'PT404') kitError(404, `${error.message}.`);
	if (error?.code === '23514') kitError(409, `${error.message}.`);
	if (error) throw new Error(`generate_invoice failed: ${error.message}`);
	return data;
}

export async function setInvoiceStatus(opts: {
	supabase: Db;
	invoiceId: string;
	status: 'paid' | 'void';
}): Promise<void> {
	const { error } = await opts.supabase.rpc('platform_set_invoice_status', {
		invoice_id: opts.invoiceId,
		status: opts.status
	});
	if (error) throw new Error(`platform_set_invoice_status failed: ${error.message}`);
}
