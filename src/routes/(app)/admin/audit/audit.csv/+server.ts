import { error } from '@sveltejs/kit';
import { requireClinicAdmin } from '$lib/server/admin/guard';
import {
	auditQuery,
	clinicPeople,
	findPatient,
	parseAuditFilter,
	patientNames,
	rowPatientId,
	summarize,
	type AuditRow
} from '$lib/server/admin/audit';
import { csvLine, downloadHeaders, EXPORT_PAGE_SIZE, pagedStream } from '$lib/server/admin/export';
import { clinicTimeZone } from '$lib/server/clinic-time';
import { todayIn } from '$lib/format';
import type { RequestHandler } from './$types';

const COLUMNS = [
	'id',
	'time',
	'actor',
	'actor_id',
	'action',
	'table',
	'row_id',
	'patient',
	'summary',
	'changes'
];

/**
 * GET /admin/audit/audit.csv?<same filters as the page>: every matching row, newest first,
 * streamed in pages of 1000 with the admin's session. Layouts do not guard endpoints: checked here.
 */
export const GET: RequestHandler = async ({ locals, url }) => {
	const admin = await requireClinicAdmin({ locals, url });
	const supabase = locals.supabase;
	const filter = parseAuditFilter(url.searchParams);
	const patient = filter.patient ? await findPatient({ supabase, q: filter.patient }) : null;
	if (filter.patient && !patient) error(404, 'No patient with that MRN.');
	const actors = new Map(
		(await clinicPeople({ supabase, organizationId: admin.organizationId })).map((p) => [
			p.id,
			p.name
		])
	);
	const timeZone = (await clinicTimeZone(supabase, admin.slug)) ?? 'UTC';
	const build = await auditQuery({
		supabase,
		organizationId: admin.organizationId,
		filter,
		patientId: patient?.id ?? null,
		timeZone
	});
	const fetchPage = async (from: number, to: number) => {
		const { data, error: e } = await build(false).range(from, to);
		if (e) throw new Error(`audit_log: ${e.message}`);
		const rows = (data ?? []) as AuditRow[];
		const names = await patientNames({
			supabase,
			ids: rows.map(rowPatientId).filter((id): id is string => !!id)
		});
		return rows.map((r) => {
			const pid = rowPatientId(r);
			const p = pid ? names.get(pid) : undefined;
			return [
				r.id,
				r.created_at,
				r.actor_id ? (actors.get(r.actor_id) ?? '') : 'System',
				r.actor_id,
				r.action,
				r.table_name,
				r.row_id,
				p ? `${p.name} (${p.mrn})` : '',
				summarize(r, p),
				r.changes
			];
		});
	};
	return new Response(
		pagedStream({
			head: csvLine(COLUMNS),
			tail: '',
			fetchPage,
			encodeRow: csvLine,
			pageSize: EXPORT_PAGE_SIZE
		}),
		{ headers: downloadHeaders(`${admin.slug}-audit`, 'csv', todayIn(timeZone)) }
	);
};
