/**
 * Clinic data export for admins: each table is read page by page (1000 rows) through the Data API
 * with the admin's own session, so RLS decides what leaves (admins read their whole clinic, never
 * another's), and streamed to the browser as CSV or JSON. Every export is recorded first with
 * rpc('log_export') in the clinic's hash-chained audit_log (recorded before streaming, so an
 * aborted download is still on record).
 */
import type { Db } from '../db';

export const EXPORT_PAGE_SIZE = 1000;

/** Exportable tables, their columns (named, in order) and the column they are paged by. */
export const EXPORT_TABLES = {
	patients: {
		label: 'Patients',
		order: 'id',
		columns: [
			'id',
			'mrn',
			'given_name',
			'family_name',
			'date_of_birth',
			'sex',
			'phone',
			'email',
			'address',
			'custom_fields',
			'archived_at',
			'created_by',
			'created_at',
			'updated_at'
		]
	},
	visits: {
		label: 'Visits',
		order: 'id',
		columns: [
			'id',
			'patient_id',
			'clinician_id',
			'scheduled_at',
			'started_at',
			'ended_at',
			'reason',
			'status',
			'cancel_reason',
			'created_by',
			'created_at',
			'updated_at'
		]
	},
	visit_notes: {
		label: 'Visit notes',
		order: 'visit_id',
		columns: ['visit_id', 'notes', 'vitals', 'author_id', 'created_at', 'updated_at']
	},
	lab_orders: {
		label: 'Lab orders',
		order: 'id',
		columns: [
			'id',
			'patient_id',
			'visit_id',
			'ordered_by',
			'test_code',
			'test_name',
			'priority',
			'status',
			'clinical_notes',
			'collected_at',
			'collected_by',
			'result_value',
			'result_unit',
			'reference_range',
			'result_notes',
			'resulted_by',
			'resulted_at',
			'cancel_reason',
			'created_at',
			'updated_at'
		]
	},
	prescriptions: {
		label: 'Prescriptions',
		order: 'id',
		columns: [
			'id',
			'patient_id',
			'visit_id',
			'prescriber_id',
			'medication',
			'dose',
			'route',
			'frequency',
			'duration_days',
			'quantity',
			'refills',
			'instructions',
			'status',
			'stop_reason',
			'completed_at',
			'completed_by',
			'stopped_at',
			'stopped_by',
			'created_at',
			'updated_at'
		]
	}
} as const;
export type ExportTable = keyof typeof EXPORT_TABLES;
export type ExportFormat = 'csv' | 'json';
export const EXPORT_FORMATS = ['csv', 'json'] as const;

/**
 * Headers of a downloaded file: its type, a name ending in the clinic's today (`YYYY-MM-DD` in its
 * time zone), and never cached.
 */
export function downloadHeaders(
	name: string,
	format: ExportFormat,
	date: string
): Record<string, string> {
	return {
		'content-type':
			format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
		'content-disposition': `attachment; filename="${name}-${date}.${format}"`,
		'cache-control': 'no-store'
	};
}

export function isExportTable(v: string | null): v is ExportTable {
	return v !== null && Object.hasOwn(EXPORT_TABLES, v);
}

/**
 * One CSV cell (RFC 4180): quoted when it holds a quote, comma, CR or LF; a cell starting with
 * = + - @ (or tab/CR) is prefixed with ' so spreadsheets do not run it as a formula.
 */
export function csvCell(value: unknown): string {
	if (value === null || value === undefined) return '';
	let s = typeof value === 'object' ? JSON.stringify(value) : String(value);
	if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
	return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function csvLine(values: readonly unknown[]): string {
	return values.map(csvCell).join(',') + '\r\n';
}

/**
 * Streams a body built from pages: `fetchPage(from)` returns up to pageSize rows; each row becomes
 * a chunk via `encodeRow`. Pulled lazily, so a slow client slows the reads (back-pressure).
 */
export function pagedStream<T>({
	head,
	tail,
	fetchPage,
	encodeRow,
	pageSize = EXPORT_PAGE_SIZE
}: {
	head: string;
	tail: string;
	fetchPage: (from: number, to: number) => Promise<T[]>;
	encodeRow: (row: T, index: number) => string;
	pageSize?: number;
}): ReadableStream<Uint8Array> {
	const encoder = new TextEncoder();
	let from = 0;
	let done = false;
	return new ReadableStream<Uint8Array>({
		start(controller) {
			controller.enqueue(encoder.encode(head));
		},
		async pull(controller) {
			if (done) return;
			const rows = await fetchPage(from, from + pageSize - 1);
			const chunk = rows.map((r, i) => encodeRow(r, from + i)).join('');
			if (chunk) controller.enqueue(encoder.encode(chunk));
			from += rows.length;
			if (rows.length < pageSize) {
				done = true;
				controller.enqueue(encoder.encode(tail));
				controller.close();
			}
		}
	});
}

/** Rows the admin may export from a table (RLS-scoped count). */
export async function countRows({ supabase, table }: { supabase: Db; table: ExportTable }) {
	const { count, error } = await supabase
		.from(table)
		.select(EXPORT_TABLES[table].order, { count: 'exact', head: true });
	if (error) throw new Error(`${table}: ${error.message}`);
	return count ?? 0;
}

/** Records the export in the audit trail (admins only; the RPC checks it again). */
export async function logExport({
	supabase,
	table,
	format,
	rowCount
}: {
	supabase: Db;
	table: ExportTable;
	format: ExportFormat;
	rowCount: number;
}) {
	const { error } = await supabase.rpc('log_export', {
		kind: `${table}.${format}`,
		row_count: rowCount
	});
	if (error) throw new Error(`log_export: ${error.message}`);
}

/** The table as a CSV or JSON stream, read page by page with the caller's session. */
export function exportStream({
	supabase,
	table,
	format
}: {
	supabase: Db;
	table: ExportTable;
	format: ExportFormat;
}): ReadableStream<Uint8Array> {
	const spec = EXPORT_TABLES[table];
	const fetchPage = async (from: number, to: number) => {
		const { data, error } = await supabase
			.from(table)
			.select(spec.columns.join(', '))
			.order(spec.order)
			.range(from, to);
		if (error) throw new Error(`${table}: ${error.message}`);
		return (data ?? []) as unknown as Record<string, unknown>[];
	};
	if (format === 'csv') {
		return pagedStream({
			head: csvLine(spec.columns),
			tail: '',
			fetchPage,
			encodeRow: (row) => csvLine(spec.columns.map((c) => row[c]))
		});
	}
	return pagedStream({
		head: '[\n',
		tail: '\n]\n',
		fetchPage,
		encodeRow: (row, i) => (i === 0 ? '' : ',\n') + JSON.stringify(row)
	});
}
