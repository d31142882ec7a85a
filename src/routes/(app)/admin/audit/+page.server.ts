import { requireClinicAdmin } from '$lib/server/admin/guard';
import {
	AUDIT_PAGE_SIZE,
	auditQuery,
	clinicPeople,
	findPatient,
	parseAuditFilter,
	patientNames,
	rowPatientId,
	summarize,
	verifyChain
} from '$lib/server/admin/audit';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url, parent }) => {
	const admin = await requireClinicAdmin({ locals, url });
	const { timeZone } = await parent();
	const supabase = locals.supabase;
	const filter = parseAuditFilter(url.searchParams);
	const patient = filter.patient ? await findPatient({ supabase, q: filter.patient }) : null;
	const people = await clinicPeople({ supabase, organizationId: admin.organizationId });
	const chain = await verifyChain({ supabase });

	let rows: ReturnType<typeof toView>[] = [];
	let total = 0;
	if (!filter.patient || patient) {
		const build = await auditQuery({
			supabase,
			organizationId: admin.organizationId,
			filter,
			patientId: patient?.id ?? null,
			timeZone
		});
		const from = (filter.page - 1) * AUDIT_PAGE_SIZE;
		const { data, count, error } = await build(true).range(from, from + AUDIT_PAGE_SIZE - 1);
		if (error) throw new Error(`audit_log: ${error.message}`);
		total = count ?? 0;
		const names = await patientNames({
			supabase,
			ids: (data ?? []).map(rowPatientId).filter((id): id is string => !!id)
		});
		const actors = new Map(people.map((p) => [p.id, p.name]));
		rows = (data ?? []).map((r) => toView(r, names, actors));
	}

	const query = new URLSearchParams(url.searchParams);
	query.delete('page');
	return {
		filter,
		patient,
		patientNotFound: !!filter.patient && !patient,
		people,
		chain,
		rows,
		total,
		pageSize: AUDIT_PAGE_SIZE,
		query: query.toString()
	};
};

function toView(
	r: Parameters<typeof summarize>[0],
	names: Awaited<ReturnType<typeof patientNames>>,
	actors: Map<string, string>
) {
	const pid = rowPatientId(r);
	const patient = pid ? names.get(pid) : undefined;
	return {
		id: r.id,
		actor: r.actor_id ? (actors.get(r.actor_id) ?? r.actor_id) : 'System',
		action: r.action,
		table: r.table_name,
		rowId: r.row_id,
		patient: patient ?? null,
		at: r.created_at,
		summary: summarize(r, patient)
	};
}
