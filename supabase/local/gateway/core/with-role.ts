/**
 * "Run this request as the JWT's role": one transaction on the `authenticator` pool, `set local
 * role` to the caller's role, and the request settings PostgREST sets (`request.jwt.claims` with
 * `role` inserted, `request.method`, `request.path`, `request.headers`, `request.cookies`), so
 * RLS, `auth.uid()` and `auth.jwt()` decide exactly as on hosted Supabase. The Data API and
 * Storage both run every statement a policy decides through here (docs/local-runtime.md,
 * "One request, one transaction").
 */
import type { PoolClient } from 'pg';
import { authenticatorPool, quoteIdent } from './db.ts';
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
	try {
		await db.query(
			`begin${opts.readOnly ? ' read only' : ''}; set local role ${quoteIdent(actor.role)}`
		);
		const settings: [string, string][] = [
			['role', actor.role],
			['request.jwt.claims', JSON.stringify({ ...actor.claims, role: actor.role })],
			['request.method', (ctx.req.method ?? 'GET').toUpperCase()],
			['request.path', ctx.path],
			['request.headers', JSON.stringify(ctx.req.headers)],
			['request.cookies', JSON.stringify(parseCookies(ctx.req.headers.cookie))],
			...(opts.settings ?? [])
		];
		const values: string[] = [];
		const calls = settings.map(([k, v]) => {
			values.push(k, v);
			return `pg_catalog.set_config($${values.length - 1}, $${values.length}, true)`;
		});
		await db.query(`select ${calls.join(', ')}`, values);
		const out = await fn(db, {
			rollbackOnly: () => {
				rollback = true;
			}
		});
		await db.query(rollback ? 'rollback' : 'commit');
		return out;
	} catch (err) {
		await db.query('rollback').catch(() => {
			broken = true;
		});
		throw err;
	} finally {
		db.release(broken);
	}
}
