/**
 * Clinic operations of the platform console. Every database call goes through the signed-in
 * platform admin's own client to RPCs that re-check platform_admins in Postgres; only Auth's
 * admin API (inviting a new person) uses the service role.
 */
import { error } from '@sveltejs/kit';
import type { Db } from '../db';
import type { Database } from '$lib/database.types';
import type { OnboardClinicInput } from '$lib/schemas/platform';
import { deleteInvitedUser, inviteUserByEmail } from '$lib/server/service-role';
import { refusalOf, refuse, type Result } from '../refusals';
import { readOrThrow } from '../reads';

export type ClinicRow = Database['public']['Functions']['platform_clinics']['Returns'][number];
export type ActivityRow =
	Database['public']['Functions']['platform_clinic_activity']['Returns'][number];

export const PAGE_SIZE = 20;

/** One page of clinics matching a name/slug search, with the total count. */
export async function listClinics(opts: {
	supabase: Db;
	search: string;
	page: number;
}): Promise<{ clinics: ClinicRow[]; total: number }> {
	const data = await readOrThrow(
		'platform_clinics failed',
		opts.supabase.rpc('platform_clinics', {
			search: opts.search,
			page_size: PAGE_SIZE,
			page_offset: (opts.page - 1) * PAGE_SIZE
		})
	);
	const clinics = data ?? [];
	return { clinics, total: clinics[0]?.total_count ?? 0 };
}

/** A clinic with its counts and recent audit activity; 404 when there is none (the pages' answer). */
export async function clinicDetail(opts: { supabase: Db; organizationId: string }) {
	const [clinic, activity, domains, subscription, invoices] = await Promise.all([
		opts.supabase.rpc('platform_clinics', { organization_id: opts.organizationId, page_size: 1 }),
		opts.supabase.rpc('platform_clinic_activity', {
			organization_id: opts.organizationId,
			max_rows: 25
		}),
		opts.supabase
			.from('organization_domains')
			.select('domain')
			.eq('organization_id', opts.organizationId),
		opts.supabase
			.from('subscriptions')
			.select('plan_id, status, current_period_start, current_period_end')
			.eq('organization_id', opts.organizationId)
			.maybeSingle(),
		opts.supabase
			.from('invoices')
			.select('id, period_start, period_end, amount_cents, currency, status, plan_id, created_at')
			.eq('organization_id', opts.organizationId)
			.order('period_start', { ascending: false })
	]);
	for (const r of [clinic, activity, domains, subscription, invoices]) {
		if (r.error) throw new Error(`clinic detail failed: ${r.error.message}`);
	}
	const row = clinic.data?.[0];
	if (!row) error(404, { message: 'No such clinic.' });
	return {
		clinic: row,
		activity: activity.data ?? [],
		domains: (domains.data ?? []).map((d) => d.domain),
		subscription: subscription.data,
		invoices: invoices.data ?? []
	};
}

/** The onboarding form's fields, as `platform_create_clinic` names them in its HINT. */
const ONBOARD_FIELDS: Record<string, keyof OnboardClinicInput> = {
	name: 'name',
	type: 'type',
	slug: 'slug',
	domain: 'domain',
	plan_id: 'plan_id',
	time_zone: 'time_zone',
	admin_email: 'admin_email'
};

/**
 * Onboards a clinic in one step that fully succeeds or changes nothing: one RPC creates the
 * organization, domain, subscription (and the membership of an existing person) in a single
 * transaction; a new person is then invited through Auth and made the first admin. If the invite
 * (or that membership) fails, the clinic and any invited account are removed again (compensation).
 */
export async function onboardClinic(opts: {
	supabase: Db;
	input: OnboardClinicInput;
	clinicOrigin: string;
}): Promise<Result<{ organizationId: string; invited: boolean }>> {
	const { input } = opts;
	const { data, error } = await opts.supabase
		.rpc('platform_create_clinic', {
			name: input.name,
			type: input.type,
			slug: input.slug,
			domain: input.domain,
			plan_id: input.plan_id,
			admin_email: input.admin_email,
			time_zone: input.time_zone
		})
		.single();
	if (error) return refusalOf(error, { fields: ONBOARD_FIELDS });
	if (!data) throw new Error('platform_create_clinic returned no clinic');
	const organizationId = data.organization_id;
	if (data.admin_user_id) return { ok: true, organizationId, invited: false };

	const invite = await inviteUserByEmail({
		email: input.admin_email,
		redirectTo: `${opts.clinicOrigin}/auth/confirm?next=/set-password`
	});
	if (!invite.ok) {
		await discard(opts.supabase, organizationId, `invite refused: ${invite.message}`);
		return refuse(`The invitation could not be sent (${invite.message}). Nothing was created.`, {
			field: 'admin_email'
		});
	}
	const { error: attachError } = await opts.supabase.rpc('platform_attach_first_admin', {
		organization_id: organizationId,
		user_id: invite.userId
	});
	if (attachError) {
		await deleteInvitedUser({ userId: invite.userId });
		await discard(opts.supabase, organizationId, `first admin failed: ${attachError.message}`);
		return refuse('The first admin could not be added. Nothing was created.', { status: 409 });
	}
	return { ok: true, organizationId, invited: true };
}

async function discard(supabase: Db, organizationId: string, reason: string) {
	const { error } = await supabase.rpc('platform_discard_clinic', {
		organization_id: organizationId,
		reason
	});
	if (error) throw new Error(`compensation failed for ${organizationId}: ${error.message}`);
}

/** Suspends (reason required) or reactivates a clinic; recorded in both audit trails. */
export async function setClinicStatus(opts: {
	supabase: Db;
	organizationId: string;
	status: 'active' | 'suspended';
	reason: string;
}): Promise<void> {
	const { error } = await opts.supabase.rpc('platform_set_clinic_status', {
		organization_id: opts.organizationId,
		status: opts.status,
		reason: opts.reason
	});
	if (error) throw new Error(`platform_set_clinic_status failed: ${error.message}`);
}
