/**
 * "Run this request as the JWT's role": one transaction on the `authenticator` pool, `set local
 * role` to the caller's role, and the request settings PostgREST sets (`request.jwt.claims` with
 * `role` inserted, `request.method`, `request.path`, `request.headers`, `request.cookies`), so
 * RLS, `auth.uid()` and `auth.jwt()` decide exactly as on hosted Supabase. The Data API and
 * Storage both run every statement a policy decides through here (docs/local-runtime.md,
 * "One request, one transaction").
 */
import type { PoolClient } from 'pg';
import pg from 'pg';
import { authenticatorPool } from './db.ts';

const { escapeLiteral } = pg;
import type { GatewayContext } from './http.ts';
import type { Claims } from './jwt.ts';

/** Who the transaction runs as: a Postgres role the authenticator may switch to, and the claims. */
export interface Actor {
	role: string;
	claims: Claims;
}

export interface WithRoleOptions {
	/** `begin read only` (Data API reads and calls of stable functions). */
	readOnly?: boolean;
	/** More transaction-local settings, set after the request settings (a later one wins). */
	settings?: [string, string][];
}

/** Handed to the callback: `rollbackOnly()` ends the transaction with a rollback, not a commit. */
export interface RoleTx {
	rollbackOnly(): void;
}

function parseCookies(header: string | undefined): Record<string, string> {
	const out: Record<string, string> = {};
	for (const part of (header ?? '').split(';')) {
		const eq = part.indexOf('=');
		if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
	}
	return out;
}

/** The SQL that opens a transaction as `actor` with the request settings (before the statements). */
export interface Prelude {
	text: string;
	values?: string[];
}

/** What a request's headers and cookies look like to `request.headers` / `request.cookies`. */
export interface RequestFacts {
	method: string;
	path: string;
	headers: Record<string, unknown>;
	cookie: string | undefined;
}

export function requestFacts(ctx: GatewayContext): RequestFacts {
	return {
		method: (ctx.req.method ?? 'GET').toUpperCase(),
		path: ctx.path,
		headers: ctx.req.headers,
		cookie: ctx.req.headers.cookie
	};
}

/**
 * The statement that opens the transaction: `begin` and one `select set_config(…)` for the
 * settings (PostgREST's txVarQuery: the service's own settings such as search_path and the role's
 * settings first, then `role`, the claims and the request), sent as one simple-protocol query so
 * it costs one round trip. Values are escaped literals (pg's escapeLiteral), never interpolated.
 * The benchmark (bench/gateway.ts) runs exactly this to measure the SQL side by side.
 */
export function prelude(facts: RequestFacts, actor: Actor, opts: WithRoleOptions): Prelude[] {
	const settings: [string, string][] = [
		...(opts.settings ?? []),
		['role', actor.role],
		['request.jwt.claims', JSON.stringify({ ...actor.claims, role: actor.role })],
		['request.method', facts.method],
		['request.path', facts.path],
		['request.headers', JSON.stringify(facts.headers)],
		['request.cookies', JSON.stringify(parseCookies(facts.cookie))]
	];
	const calls = settings.map(
		([k, v]) => `pg_catalog.set_config(${escapeLiteral(k)}, ${escapeLiteral(v)}, true)`
	);
	return [{ text: `begin${opts.readOnly ? ' read only' : ''}; select ${calls.join(', ')}` }];
}

/**
 * Runs `fn` in one transaction as `actor`, committing when it returns (unless it asked for a
 * rollback) and rolling back when it throws.
 */
export async function withRole<T>(
	ctx: GatewayContext,
	actor: Actor,
	opts: WithRoleOptions,
	fn: (db: PoolClient, tx: RoleTx) => Promise<T>
): Promise<T> {
	const db = await authenticatorPool.connect();
	let broken = false;
	let rollback = false;
	let released = false;
	try {
		for (const step of prelude(requestFacts(ctx), actor, opts))
			await db.query(step.text, step.values);
		const out = await fn(db, {
			rollbackOnly: () => {
				rollback = true;
			}
		});
		if (opts.readOnly) {
			// A read-only transaction changes nothing: the caller answers without waiting for its
			// end; the connection returns to the pool once it has ended.
			released = true;
			db.query(rollback ? 'rollback' : 'commit').then(
				() => db.release(),
				() => db.release(true)
			);
			return out;
		}
		await db.query(rollback ? 'rollback' : 'commit');
		return out;
	} catch (err) {
		await db.query('rollback').catch(() => {
			broken = true;
		});
		throw err;
	} finally {
		if (!released) db.release(broken);
	}
}
