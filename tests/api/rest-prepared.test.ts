/**
 * The Data API runs its statements as prepared statements, as PostgREST does with its default
 * `db-prepared-statements = true` (supabase/local/gateway/rest/prepared.ts): a statement is
 * parsed, rewritten under the policies and planned once per connection, not on every request.
 * Observed from inside the statement itself: a protocol-level prepared statement is listed in the
 * session's `pg_prepared_statements` while it runs; an unnamed one is not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import type pg from 'pg';
import type { PoolClient } from 'pg';
import { PER_CONNECTION, preparedQuery } from '../../supabase/local/gateway/rest/prepared.ts';
import { adminDb, API_URL, keys } from '../support/stack.ts';

const fn = `rp_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
let db: pg.Client;
let api: SupabaseClient;

beforeAll(async () => {
	db = adminDb();
	await db.connect();
	await db.query(`
		create function public.${fn}(tag text)
		returns boolean language sql stable security invoker set search_path = '' as $$
		  select exists (select 1 from pg_catalog.pg_prepared_statements s
		                  where not s.from_sql and s.statement like '%${fn}%')
		$$;
		revoke execute on function public.${fn}(text) from public, anon, authenticated;
		grant execute on function public.${fn}(text) to service_role;`);
	api = createClient(API_URL, keys.secretKey, {
		auth: { persistSession: false, autoRefreshToken: false }
	});
});

afterAll(async () => {
	await db.query(`drop function if exists public.${fn}(text)`);
	await db.end();
});

describe('prepared statements', () => {
	it('runs a Data API call as a prepared statement of its connection, on every call', async () => {
		for (let i = 0; i < 6; i++) {
			const { data, error } = await api.rpc(fn, { tag: `call ${i}` });
			expect(error).toBeNull();
			expect(data).toBe(true);
		}
	});

	it('keeps working when the function changes its result type (the schema cache reloads)', async () => {
		const first = await api.rpc(fn, { tag: 'before' });
		expect(first.data).toBe(true);
		await db.query(`
			drop function public.${fn}(text);
			create function public.${fn}(tag text)
			returns text language sql stable security invoker set search_path = '' as $$ select tag $$;
			grant execute on function public.${fn}(text) to service_role;`);
		let last: { data: unknown; error: unknown } = { data: null, error: 'not called' };
		for (let i = 0; i < 20 && last.data !== 'after'; i++) {
			last = await api.rpc(fn, { tag: 'after' });
			if (last.data !== 'after') await new Promise((r) => setTimeout(r, 100));
		}
		expect(last).toMatchObject({ data: 'after', error: null });
	});

	it('prepares at most PER_CONNECTION distinct statements per connection, then runs them unnamed', () => {
		const conn = {} as PoolClient;
		const other = {} as PoolClient;
		const names = new Set<string>();
		for (let i = 0; i < PER_CONNECTION; i++) {
			const q = preparedQuery(conn, `select ${i}`, [], 1);
			expect(q.name).toMatch(/^pgrst_/);
			names.add(q.name!);
		}
		expect(names.size).toBe(PER_CONNECTION);
		// the same text again: still the prepared name; a new text: unnamed
		expect(preparedQuery(conn, 'select 0', [], 1).name).toBe(
			preparedQuery(other, 'select 0', [], 1).name
		);
		expect(preparedQuery(conn, 'select -1', [], 1).name).toBeUndefined();
		// another schema cache load names the same text differently (no stale plan reused)
		expect(preparedQuery(other, 'select 0', [], 2).name).not.toBe(
			preparedQuery(other, 'select 0', [], 1).name
		);
	});
});
