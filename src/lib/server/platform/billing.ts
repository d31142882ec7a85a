/** Plans, subscriptions and invoices for the platform console (RPCs as the platform admin). */
import { error as kitError } from '@sveltejs/kit';
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '$lib/database.types';
import type { PlanInput } from '$lib/schemas/platform';
import { DONE, refusalOf, type Result } from '../refusals';

type Db = SupabaseClient<Database>;

export async function listPlans(opts: { supabase: Db }) {
	const { data, error } = await opts.supabase
		.from('plans')
		.select('id, name, seat_limit, patient_limit, monthly_price_cents, currency')
		.order('monthly_price_cents')
		.order('id');
	if (error) throw new Error(`plans failed: ${error.message}`);
	return data ?? [];
}

export async function savePlan(opts: { supabase: Db; plan: PlanInput }): Promise<void> {
	const { plan } = opts;
	const { error } = await opts.supabase.rpc('platform_save_plan', {
		id: plan.id,
		name: plan.name,
		// null = unlimited; the generated types do not know SQL arguments may be null
		seat_limit: plan.seat_limit as number,
		patient_limit: plan.patient_limit as number,
		monthly_price_cents: plan.monthly_price_cents,
		currency: plan.currency
	});
	if (error) throw new Error(`platform_save_plan failed: ${error.message}`);
}

/** Deletes an unused plan; refused when it is the default plan or clinics or invoices use it. */
export async function deletePlan(opts: { supabase: Db; id: string }): Promise<Result> {
	const { error } = await opts.supabase.rpc('platform_delete_plan', { id: opts.id });
	return error ? refusalOf(error, { fields: { id: 'id' }, otherwise: 'id' }) : DONE;
}

/** Moves a clinic to another plan: its subscription and organizations.plan_id (the limits). */
export async function changePlan(opts: {
	supabase: Db;
	organizationId: string;
	planId: string;
}): Promise<Result> {
	const { error } = await opts.supabase.rpc('platform_change_plan', {
		organization_id: opts.organizationId,
		plan_id: opts.planId
	});
	return error ? refusalOf(error, { fields: { plan_id: 'plan_id' }, otherwise: 'plan_id' }) : DONE;
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
