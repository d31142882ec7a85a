import { error } from '@sveltejs/kit';
import { requireClinicAdmin } from '$lib/server/admin/guard';
import { loadAuditTrail, parseAuditFilter } from '$lib/server/admin/audit';
import { csvLine, downloadHeaders, EXPORT_PAGE_SIZE, pagedStream } from '$lib/server/admin/export';
import { clinicTimeZone } from '$lib/server/clinic-time';
import { todayIn } from '$lib/format';
import type { RequestHandler } from './$types';

/** The raw columns of audit_log, then the same entry as people read it. */
const COLUMNS = [
	'id',
	'time',
	'actor_id',
	'action',
	'table',
	'row_id',
	'patient_id',
	'changes',
	'local_time',
	'actor',
	'patient',
	'sentence'
];

/**
 * GET /admin/audit/audit.csv?<same filters as the page>: every matching row, newest first,
 * streamed in pages of 1000 (one audit_trail call each) with the admin's session. Layouts do not
 * guard endpoints: checked here.
 */
export const GET: RequestHandler = async ({ locals, url }) => {
	const admin = await requireClinicAdmin({ locals, url });
	const filter = parseAuditFilter(url.searchParams);
	const timeZone = clinicTimeZone(locals, admin.slug);
	const page = (offset: number, limit: number) =>
		loadAuditTrail({
			supabase: locals.supabase,
			filter,
			timeZone,
			offset,
			limit,
			withTotal: false
		});
	// the first page also answers whether the patient filter names a patient
	const first = await page(0, EXPORT_PAGE_SIZE);
	if (first.patientNotFound) error(404, 'No patient with that MRN.');
	const fetchPage = async (from: number, to: number) => {
		const { rows } = from === 0 ? first : await page(from, to - from + 1);
		return rows.map((r) => [
			r.id,
			r.at,
			r.actorId,
			r.action,
			r.table,
			r.rowId,
			r.patientId,
			r.changes,
			`${r.when} ${timeZone}`,
			r.actor,
			r.patient ?? '',
			r.sentence
		]);
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
