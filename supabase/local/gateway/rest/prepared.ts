/**
 * Data API statements as prepared statements, as PostgREST runs them (`db-prepared-statements`,
 * on by default): each connection parses, rewrites (row-level security included) and plans a
 * statement text once, then executes it again with new parameters; PostgreSQL's plan cache
 * decides between custom and generic plans and revalidates them when the schema changes.
 * Without this, an embedded select over a dozen tables under their policies (the chart) is
 * planned again on every request, which costs more than running it.
 *
 * Bounded: a connection prepares at most PER_CONNECTION distinct texts (later ones run unnamed,
 * planned each time) and the pool retires a connection after a number of uses (core/db.ts), so a
 * client sending endless distinct requests cannot grow a backend's memory without end. The name
 * carries the schema cache's load time, so statements prepared before a reload are not reused
 * after it (a changed result type would fail them: `cached plan must not change result type`).
 */
import { createHash } from 'node:crypto';
import type { PoolClient, QueryConfig } from 'pg';

/** Distinct statement texts one connection keeps prepared. */
export const PER_CONNECTION = 256;

const prepared = new WeakMap<PoolClient, Set<string>>();

/** The query to send for `sql` on `db`: named (prepared once per connection) while under the bound. */
export function preparedQuery(
	db: PoolClient,
	sql: string,
	params: unknown[],
	generation: number
): QueryConfig {
	const name = `pgrst_${createHash('sha1').update(`${generation}\0${sql}`).digest('base64url')}`;
	let names = prepared.get(db);
	if (!names) prepared.set(db, (names = new Set()));
	if (!names.has(name)) {
		if (names.size >= PER_CONNECTION) return { text: sql, values: params };
		names.add(name);
	}
	return { name, text: sql, values: params };
}
