/** Connection pools of the gateway, one per Postgres login role it acts as. */
import pg from 'pg';
import { AUTH_ADMIN_URL, AUTHENTICATOR_URL, DB_URL, STORAGE_ADMIN_URL } from '../../config.ts';

/**
 * `SUPABASE_GATEWAY_DB` points a gateway at another database of the same cluster (the
 * postgrest-js suite runs against its own fixture database: scripts/postgrest-js-suite.ts).
 */
const DATABASE = process.env.SUPABASE_GATEWAY_DB;
function onDatabase(url: string): string {
	if (!DATABASE) return url;
	const u = new URL(url);
	u.pathname = `/${encodeURIComponent(DATABASE)}`;
	return u.toString();
}

/** A request waits at most this long for a connection (no hang while PostgreSQL is away). */
const CONNECT_TIMEOUT = 5000;

// Return timestamps, json and numerics as Postgres prints them; services build JSON in SQL.
for (const oid of [1082, 1114, 1184, 1700, 20]) pg.types.setTypeParser(oid, (v) => v);

/**
 * `authenticator`: the Data API and Storage switch from it to the JWT's role (with-role.ts). A
 * connection is retired after `maxUses` requests, which bounds the statements it keeps prepared
 * (rest/prepared.ts), as PostgREST's pool retires connections after `db-pool-max-lifetime`.
 */
export const authenticatorPool = new pg.Pool({
	connectionString: onDatabase(AUTHENTICATOR_URL),
	max: 20,
	maxUses: 10_000,
	connectionTimeoutMillis: CONNECT_TIMEOUT
});
/** `supabase_auth_admin`: owns the auth schema, runs the custom access token hook. */
export const authPool = new pg.Pool({
	connectionString: onDatabase(AUTH_ADMIN_URL),
	max: 10,
	connectionTimeoutMillis: CONNECT_TIMEOUT
});
/** `supabase_storage_admin`: bucket administration and bookkeeping outside RLS. */
export const storagePool = new pg.Pool({
	connectionString: onDatabase(STORAGE_ADMIN_URL),
	max: 5,
	connectionTimeoutMillis: CONNECT_TIMEOUT
});
/** Superuser, for the schema cache and local-only housekeeping. */
export const adminPool = new pg.Pool({
	connectionString: onDatabase(DB_URL.replace('?sslmode=disable', '')),
	max: 3,
	connectionTimeoutMillis: CONNECT_TIMEOUT
});

// A connection that dies (PostgreSQL stopped or restarted) emits 'error' on its client, idle or
// checked out; without a listener that would end the process. Requests on it fail and answer
// 503 (core/unavailable.ts); the pool opens new connections once PostgreSQL is back.
let lastLogged = 0;
function logLost(err: Error) {
	const now = Date.now();
	if (now - lastLogged > 5000) {
		lastLogged = now;
		console.error('[gateway] database connection lost:', err.message);
	}
}
for (const pool of [authenticatorPool, authPool, storagePool, adminPool]) {
	pool.on('error', logLost);
	pool.on('connect', (client) => client.on('error', logLost));
}

export async function closePools() {
	await Promise.all([authenticatorPool, authPool, storagePool, adminPool].map((p) => p.end()));
}

/** Double-quotes an identifier (`format('%I')` without the bare-word shortcut). */
export function quoteIdent(name: string): string {
	return `"${name.replace(/"/g, '""')}"`;
}
