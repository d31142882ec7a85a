/**
 * What tests need to reach the local runtime: URLs, keys, a `postgres` SQL client (as on hosted,
 * not a superuser), and clients built with the official supabase-js exactly as the app builds them.
 */
import pg from 'pg';
import { createClient } from '@supabase/supabase-js';
import { API_URL, DB_URL, loadKeys, MAIL_URL, signHs256 } from '../../supabase/local/config.ts';

export const keys = loadKeys();
export { API_URL, DB_URL, MAIL_URL };

/**
 * A connection as `postgres` (hosted's: not a superuser; owns the project's tables, BYPASSRLS), to
 * the project's database or another one of the cluster (a benchmark's).
 */
export function adminDb(database?: string): pg.Client {
	const url = new URL(DB_URL.replace('?sslmode=disable', ''));
	if (database) url.pathname = `/${database}`;
	return new pg.Client({ connectionString: url.toString() });
}

/** supabase-js with the publishable key, no persisted session (one per simulated person). */
export function anonClient(apiUrl = API_URL) {
	return createClient(apiUrl, keys.publishableKey, {
		auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false }
	});
}

/** supabase-js with the secret key: service_role, bypasses RLS. Tests only. */
export function serviceClient() {
	return createClient(API_URL, keys.secretKey, {
		auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false }
	});
}

/** Mints an HS256 access token the way tests may (docs/local-runtime.md, "Tokens and keys"). */
export function mintToken(claims: Record<string, unknown>, ttlSeconds = 3600): string {
	const iat = Math.floor(Date.now() / 1000);
	return signHs256(
		{ aud: 'authenticated', role: 'authenticated', iat, exp: iat + ttlSeconds, ...claims },
		keys.jwtSecret
	);
}

export function uniqueEmail(prefix = 'user'): string {
	return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.test`;
}

/** Runs one statement as `postgres` on a connection of its own and returns its rows. */
export async function sql<T = Record<string, unknown>>(
	text: string,
	values: unknown[] = []
): Promise<T[]> {
	const db = adminDb();
	await db.connect();
	try {
		return (await db.query(text, values)).rows as T[];
	} finally {
		await db.end();
	}
}
