/**
 * Runs a planned Data API statement as the JWT's role (core/with-role.ts: one transaction, the
 * request settings, plus the exposed schema's `search_path` and the role's own settings) and
 * turns its one result row (`total`, `n`, `body`) into PostgREST's status, headers and body
 * (docs/local-runtime.md, "Data API"). Errors PostgREST detects after running the statement
 * (`.single()` on ≠ 1 row, max-affected, a range past the end) roll the transaction back.
 */
import { quoteIdent } from '../core/db.ts';
import type { GatewayContext } from '../core/http.ts';
import type { Claims } from '../core/jwt.ts';
import { withRole } from '../core/with-role.ts';
import { send, sendError, type ErrorBody } from './errors.ts';
import { planMedia, type MediaKind, type Preferences } from './parse-request.ts';
import type { Plan } from './plan.ts';
import { preparedQuery } from './prepared.ts';
import type { SchemaCache } from './schema.ts';

export interface ExecContext {
	role: string;
	claims: Claims;
	schema: string;
	media: MediaKind;
	prefs: Preferences;
	cache: SchemaCache;
}

/** What to answer once the transaction has ended. */
type Reply =
	| { error: ErrorBody; status: number; headers: Record<string, string> }
	| { status: number; body: string | null; headers: Record<string, string> };

function contentRange(offset: number, n: number, total: number | null): string {
	return `${n > 0 ? `${offset}-${offset + n - 1}` : '*'}/${total ?? '*'}`;
}

/** The Data API's own transaction settings: search_path, then the role's settings (PostgREST). */
export function restSettings(cache: SchemaCache, schema: string, role: string): [string, string][] {
	return [
		['search_path', [schema, ...cache.config.extraSearchPath].map(quoteIdent).join(', ')],
		...(cache.roleSettings.get(role) ?? [])
	];
}

export async function execute(ctx: GatewayContext, plan: Plan, x: ExecContext): Promise<void> {
	const single = x.media === 'object' || x.media === 'object-stripped';
	const headers: Record<string, string> = { 'Content-Profile': x.schema };
	if (x.prefs.applied.length) headers['Preference-Applied'] = x.prefs.applied.join(', ');
	const contentType = single
		? 'application/vnd.pgrst.object+json; charset=utf-8'
		: x.media === 'csv'
			? 'text/csv; charset=utf-8'
			: x.media === 'geojson'
				? 'application/geo+json; charset=utf-8'
				: 'application/json; charset=utf-8';
	const settings = restSettings(x.cache, x.schema, x.role);
	if (x.prefs.timezone) settings.push(['timezone', x.prefs.timezone]);

	const reply = await withRole(
		ctx,
		{ role: x.role, claims: x.claims },
		{ readOnly: plan.readOnly, settings },
		async (db, tx): Promise<Reply> => {
			if (x.media === 'plan') {
				// EXPLAIN of the statement the request would run (db-plan-enabled), never committed.
				tx.rollbackOnly();
				const pm = planMedia(ctx.req.headers.accept);
				const type = `application/vnd.pgrst.plan+${pm.format}; for="${pm.forMedia}"; charset=utf-8`;
				if (!plan.statement)
					return { status: 200, body: '', headers: { ...headers, 'Content-Type': type } };
				const opts = [`format ${pm.format}`, ...pm.options];
				const r = await db.query(
					`explain (${opts.join(', ')}) ${plan.statement.sql}`,
					plan.statement.params
				);
				const body =
					pm.format === 'json'
						? JSON.stringify(r.rows[0]['QUERY PLAN'])
						: r.rows.map((row) => row['QUERY PLAN']).join('\n');
				return { status: 200, body, headers: { ...headers, 'Content-Type': type } };
			}
			let total: number | null = null;
			let n = 0;
			let body: string | null = null;
			let inserted = 0;
			if (plan.statement) {
				const result = await db.query(
					preparedQuery(db, plan.statement.sql, plan.statement.params, x.cache.loadedAt)
				);
				if (plan.returning && result.rows.length === 1 && 'n' in result.rows[0]) {
					const row = result.rows[0];
					total = row.total === null ? null : Number(row.total);
					n = Number(row.n);
					body = row.body;
					inserted = Number(row.inserted ?? 0);
				} else {
					n = result.rowCount ?? 0;
				}
			} else {
				body = '[]';
			}
			if (plan.kind === 'rpc-void' || plan.kind === 'rpc-scalar' || plan.kind === 'rpc-object')
				n = 1;
			// planned: the planner's row estimate; estimated: exact up to max-rows, then planned.
			const maxRows = x.cache.config.maxRows;
			if (
				plan.kind === 'read' &&
				plan.statement?.sourceSql &&
				(x.prefs.count === 'planned' ||
					(x.prefs.count === 'estimated' && maxRows !== null && (total ?? 0) > maxRows))
			) {
				const r = await db.query(
					`explain (format json) ${plan.statement.sourceSql}`,
					plan.statement.params
				);
				total = Number(r.rows[0]['QUERY PLAN'][0].Plan['Plan Rows']);
			}
			const needsCount = x.prefs.count !== null;
			if (needsCount && total === null && plan.kind !== 'read') total = n;

			const fail = (status: number, error: ErrorBody, extra: Record<string, string> = {}) => {
				tx.rollbackOnly();
				return { status, error, headers: { ...headers, ...extra } };
			};
			// max-affected applies to updates, deletes and calls (PostgREST Response.hs).
			const limited = plan.kind === 'update' || plan.kind === 'delete' || plan.kind === 'rpc-rows';
			if (
				limited &&
				x.prefs.handling === 'strict' &&
				x.prefs.maxAffected !== null &&
				n > x.prefs.maxAffected
			) {
				return fail(400, {
					code: 'PGRST124',
					details: `The query affects ${n} rows`,
					hint: null,
					message: 'Query result exceeds max-affected preference constraint'
				});
			}
			if (single && n !== 1) {
				return fail(406, {
					code: 'PGRST116',
					details: `The result contains ${n} rows`,
					hint: null,
					message: 'Cannot coerce the result to a single JSON object'
				});
			}
			if (plan.kind === 'read' && total !== null && plan.offset > total) {
				return fail(
					416,
					{
						code: 'PGRST103',
						details: `An offset of ${plan.offset} was requested, but there are only ${total} rows.`,
						hint: null,
						message: 'Requested range not satisfiable'
					},
					{ 'Content-Range': `*/${total}` }
				);
			}
			const txEnd = x.cache.config.txEnd;
			const override = txEnd.endsWith('-allow-override') ? x.prefs.tx : null;
			if ((override ?? (txEnd.startsWith('rollback') ? 'rollback' : 'commit')) === 'rollback')
				tx.rollbackOnly();

			const typed = { ...headers, 'Content-Type': contentType };
			/** Mutations: the rows with `return=representation`, else no body and `empty`. */
			const rows = (status: number, empty: number, range: string): Reply =>
				x.prefs.return === 'representation'
					? {
							status,
							body: single ? (body ?? 'null') : (body ?? '[]'),
							headers: { ...typed, 'Content-Range': range }
						}
					: { status: empty, body: null, headers: { ...headers, 'Content-Range': range } };
			const counted = `${needsCount ? n : '*'}`;
			switch (plan.kind) {
				case 'read':
				case 'rpc-rows': {
					const status = total !== null && n < total ? 206 : 200;
					const range = contentRange(plan.offset, n, needsCount ? total : null);
					return { status, body: body ?? '[]', headers: { ...typed, 'Content-Range': range } };
				}
				case 'rpc-object':
				case 'rpc-scalar':
					// One value: PostgREST counts it as one row.
					return {
						status: 200,
						body: body ?? 'null',
						headers: { ...typed, 'Content-Range': `0-0/${needsCount ? 1 : '*'}` }
					};
				case 'rpc-void':
					return { status: 204, body: null, headers };
				case 'insert': {
					if (plan.location) {
						// PostgREST: Location: /<table>?<pk>=eq.<value> of the first row, no body.
						const first = (JSON.parse(body ?? '[]') as Record<string, unknown>[])[0];
						const status =
							plan.upsert && x.prefs.resolution === 'merge-duplicates' && inserted <= 0 ? 200 : 201;
						const loc = first
							? `/${encodeURIComponent(plan.location.table)}?${plan.location.primaryKey
									.map(
										(k) =>
											`${encodeURIComponent(k)}=${encodeURIComponent(`eq.${String(first[k])}`)}`
									)
									.join('&')}`
							: null;
						return {
							status,
							body: null,
							headers: {
								...headers,
								'Content-Range': `*/${counted}`,
								...(loc ? { Location: loc } : {})
							}
						};
					}
					// 200 only when merge-duplicates inserted nothing (PostgREST Response.hs).
					const status =
						plan.upsert && x.prefs.resolution === 'merge-duplicates' && inserted <= 0 ? 200 : 201;
					return rows(status, status, `*/${counted}`);
				}
				case 'update':
					return rows(200, 204, `${n > 0 ? `0-${n - 1}` : '*'}/${counted}`);
				case 'delete':
					return rows(200, 204, `*/${counted}`);
			}
		}
	);
	if ('error' in reply) sendError(ctx, reply.status, reply.error, reply.headers);
	else send(ctx, reply.status, reply.body, reply.headers);
}
