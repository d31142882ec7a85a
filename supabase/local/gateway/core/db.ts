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

// Return timestamps, json and numerics as Postgres prints them; services build JSON in SQL.
for (const oid of [1082, 1114, 1184, 1700, 20]) pg.types.setTypeParser(oid, (v) => v);

/** `authenticator`: the Data API and Storage switch from it to the JWT's role (with-role.ts). */
export const authenticatorPool = new pg.Pool({ connectionString: onDatabase(AUTHENTICATOR_URL), max: 20 });
/** `supabase_auth_admin`: owns the auth schema, runs the custom access token hook. */
export const authPool = new pg.Pool({ connectionString: onDatabase(AUTH_ADMIN_URL), max: 10 });
/** `supabase_storage_admin`: bucket administration and bookkeeping outside RLS. */
export const storagePool = new pg.Pool({ connectionString: onDatabase(STORAGE_ADMIN_URL), max: 5 });
/** Superuser, for the schema cache and local-only housekeeping. */
export const adminPool = new pg.Pool({
	connectionString: onDatabase(DB_URL.replace('?sslmode=disable', '')),
	max: 3
});

for (const pool of [authenticatorPool, authPool, storagePool, adminPool]) {
	pool.on('error', (err) => console.error('[gateway] idle client error', err.message));
}

export async function closePools() {
	await Promise.all([authenticatorPool, authPool, storagePool, adminPool].map((p) => p.end()));
}

/** Double-quotes an identifier (`format('%I')` without the bare-word shortcut). */
export function quoteIdent(name: string): string {
	return `"${name.replace(/"/g, '""')}"`;
}
