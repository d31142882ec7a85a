import { error } from '@sveltejs/kit';
import { requireClinicAdmin } from '$lib/server/admin/guard';
import {
	countRows,
	downloadHeaders,
	EXPORT_FORMATS,
	exportStream,
	isExportTable,
	logExport,
	type ExportFormat
} from '$lib/server/admin/export';
import { clinicTimeZone } from '$lib/server/clinic-time';
import { todayIn } from '$lib/format';
import type { RequestHandler } from './$types';

/**
 * GET /admin/export/download?table=patients&format=csv: the table streamed page by page with the
 * admin's session (RLS applies). Layouts do not guard endpoints, so this checks the admin itself.
 */
export const GET: RequestHandler = async ({ locals, url }) => {
	const admin = await requireClinicAdmin({ locals, url });
	const table = url.searchParams.get('table');
	const format = (url.searchParams.get('format') ?? 'csv') as ExportFormat;
	if (!isExportTable(table)) error(400, 'Choose a table to export.');
	if (!EXPORT_FORMATS.includes(format)) error(400, 'Choose CSV or JSON.');
	const rowCount = await countRows({ supabase: locals.supabase, table });
	const zone = clinicTimeZone(locals, admin.slug);
	await logExport({ supabase: locals.supabase, table, format, rowCount });
	return new Response(exportStream({ supabase: locals.supabase, table, format }), {
		headers: {
			...downloadHeaders(`${admin.slug}-${table}`, format, todayIn(zone)),
			'x-row-count': String(rowCount)
		}
	});
};
