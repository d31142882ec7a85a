/**
 * The local database has hosted Supabase's privilege shape (docs/local-runtime.md, "Hosted shape"):
 * `postgres`, which applies the migrations, is exactly as powerful as on a hosted project, so a
 * migration or test that would fail there fails here too. Everything runs as `postgres` inside
 * transactions that are rolled back.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminDb } from '../support/stack.ts';

let db: pg.Client;

beforeAll(async () => {
	db = adminDb();
	await db.connect();
});

afterAll(async () => {
	await db?.end();
});

/** Runs `fn` in a transaction that is always rolled back. */
async function rolledBack<T>(fn: () => Promise<T>): Promise<T> {
	await db.query('begin');
	try {
		return await fn();
	} finally {
		await db.query('rollback');
	}
}

/** The SQLSTATE and message a statement fails with (in its own rolled-back transaction). */
async function failure(sql: string): Promise<{ code: string; message: string }> {
	return rolledBack(async () => {
		try {
			await db.query(sql);
		} catch (err) {
			const e = err as { code: string; message: string };
			return { code: e.code, message: e.message };
		}
		throw new Error(`expected to fail: ${sql}`);
	});
}

describe('server settings as in Supabase’s image', () => {
	it('preloads pg_stat_statements (query ids computed, the extension in `extensions`) and plans with its cache estimate', async () => {
		const { rows } = await db.query(
			`select current_setting('shared_preload_libraries') as preload,
			        current_setting('effective_cache_size') as cache,
			        (select n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace
			          where e.extname = 'pg_stat_statements') as schema`
		);
		expect(rows[0]).toEqual({
			preload: 'pg_stat_statements',
			cache: '128MB',
			schema: 'extensions'
		});
		const plan = await db.query('explain (verbose, format json) select 1');
		expect(JSON.stringify(plan.rows[0])).toContain('Query Identifier');
	});
});

describe('roles as on hosted Supabase', () => {
	it('connects as postgres, and supabase_admin is the only superuser', async () => {
		const { rows } = await db.query(
			`select current_user as who, array_agg(rolname::text order by rolname) filter (where rolsuper) as supers
			   from pg_roles group by 1`
		);
		expect(rows[0]).toEqual({ who: 'postgres', supers: ['supabase_admin'] });
	});

	it('has hosted attributes: postgres NOSUPERUSER with CREATEDB, CREATEROLE, REPLICATION, BYPASSRLS; API roles INHERIT; service roles NOINHERIT', async () => {
		const { rows } = await db.query(
			`select rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin
			   from pg_roles
			  where rolname in ('postgres', 'anon', 'authenticated', 'service_role', 'authenticator',
			                    'supabase_auth_admin', 'supabase_storage_admin')
			  order by rolname`
		);
		const row = (
			rolname: string,
			[inherit, createrole, createdb, replication, bypassrls, login]: boolean[]
		) => ({
			rolname,
			rolsuper: false,
			rolinherit: inherit,
			rolcreaterole: createrole,
			rolcreatedb: createdb,
			rolreplication: replication,
			rolbypassrls: bypassrls,
			rolcanlogin: login
		});
		expect(rows).toEqual([
			row('anon', [true, false, false, false, false, false]),
			row('authenticated', [true, false, false, false, false, false]),
			row('authenticator', [false, false, false, false, false, true]),
			row('postgres', [true, true, true, true, true, true]),
			row('service_role', [true, false, false, false, true, false]),
			row('supabase_auth_admin', [false, false, false, false, false, true]),
			row('supabase_storage_admin', [false, true, false, false, false, true])
		]);
	});

	it('gives authenticator the Data API timeouts and postgres its search_path', async () => {
		const { rows } = await db.query(
			`select rolname, rolconfig from pg_roles where rolname in ('authenticator', 'postgres', 'anon', 'authenticated') order by 1`
		);
		expect(rows).toEqual([
			{ rolname: 'anon', rolconfig: ['statement_timeout=3s'] },
			{ rolname: 'authenticated', rolconfig: ['statement_timeout=8s'] },
			{ rolname: 'authenticator', rolconfig: ['statement_timeout=8s', 'lock_timeout=8s'] },
			{ rolname: 'postgres', rolconfig: ['search_path="$user", public, extensions'] }
		]);
	});

	it('makes postgres a member of the API roles and monitoring roles only', async () => {
		const { rows } = await db.query(
			`select array_agg(m.roleid::regrole::text order by m.roleid::regrole::text) as roles
			   from pg_auth_members m where m.member = 'postgres'::regrole`
		);
		expect(rows[0].roles).toEqual([
			'anon',
			'authenticated',
			'pg_monitor',
			'pg_read_all_data',
			'pg_signal_backend',
			'service_role'
		]);
	});

	it('refuses postgres the Auth, Storage and platform roles', async () => {
		for (const role of ['supabase_auth_admin', 'supabase_storage_admin', 'supabase_admin']) {
			expect(await failure(`set role ${role}`)).toEqual({
				code: '42501',
				message: `permission denied to set role "${role}"`
			});
		}
	});
});

describe('auth and storage belong to the platform', () => {
	it('owns nothing of postgres in auth and storage, and the schemas are supabase_admin’s', async () => {
		const { rows } = await db.query(
			`select (select array_agg(nspname || ':' || nspowner::regrole order by nspname) from pg_namespace
			          where nspname in ('auth', 'storage')) as schemas,
			        (select count(*)::int from pg_class c where c.relnamespace in ('auth'::regnamespace, 'storage'::regnamespace)
			            and c.relowner = 'postgres'::regrole) as relations,
			        (select count(*)::int from pg_proc p where p.pronamespace in ('auth'::regnamespace, 'storage'::regnamespace)
			            and p.proowner = 'postgres'::regrole) as functions,
			        (select count(*)::int from pg_type t where t.typnamespace in ('auth'::regnamespace, 'storage'::regnamespace)
			            and t.typowner = 'postgres'::regrole) as types,
			        (select count(*)::int from pg_class c where c.relnamespace = 'auth'::regnamespace and c.relkind = 'r'
			            and c.relowner <> 'supabase_auth_admin'::regrole) as auth_tables_not_gotrue,
			        (select count(*)::int from pg_class c where c.relnamespace = 'storage'::regnamespace and c.relkind = 'r'
			            and c.relowner <> 'supabase_storage_admin'::regrole) as storage_tables_not_storage`
		);
		expect(rows[0]).toEqual({
			schemas: ['auth:supabase_admin', 'storage:supabase_admin'],
			relations: 0,
			functions: 0,
			types: 0,
			auth_tables_not_gotrue: 0,
			storage_tables_not_storage: 0
		});
	});

	it('refuses postgres new objects and DDL in auth and storage', async () => {
		for (const sql of [
			'create table auth.custom_table (id int)',
			'create table storage.custom_table (id int)',
			`create function auth.hello() returns int language sql as 'select 1'`,
			`create function storage.hello() returns int language sql as 'select 1'`
		]) {
			expect((await failure(sql)).message, sql).toMatch(/^permission denied for schema/);
		}
		for (const sql of [
			'alter table auth.users add column nickname text',
			'create index on auth.sessions (created_at)',
			'alter table storage.objects disable row level security',
			'drop table auth.flow_state',
			`comment on table auth.users is 'mine'`
		]) {
			expect(await failure(sql), sql).toMatchObject({ code: '42501' });
		}
	});

	it('lets postgres write Auth rows: a security definer function of postgres ends a member’s sessions', async () => {
		const counts = await rolledBack(async () => {
			const user = '00000000-0000-4000-8000-0000000f0001';
			await db.query(
				`insert into auth.users (id, instance_id, aud, role, email, encrypted_password, raw_app_meta_data,
				                         raw_user_meta_data, created_at, updated_at)
				 values ($1, '00000000-0000-0000-0000-000000000000', 'authenticated', 'authenticated',
				         'hosted-shape@example.test', '', '{}', '{}', now(), now())`,
				[user]
			);
			await db.query(
				`insert into auth.sessions (id, user_id, created_at, updated_at, aal)
				 values ('00000000-0000-4000-8000-0000000f0002', $1, now(), now(), 'aal1')`,
				[user]
			);
			await db.query(
				`insert into auth.refresh_tokens (token, user_id, revoked, created_at, updated_at, session_id)
				 values ('hosted-shape-token', $1, false, now(), now(), '00000000-0000-4000-8000-0000000f0002')`,
				[user]
			);
			await db.query(
				`create function public.hosted_shape_end_sessions(p_user uuid) returns int
				 language plpgsql security definer set search_path = '' as $$
				 declare n int;
				 begin
				   update auth.refresh_tokens set revoked = true where user_id = p_user::text;
				   delete from auth.sessions where user_id = p_user;
				   get diagnostics n = row_count;
				   update auth.users set banned_until = null, updated_at = now() where id = p_user;
				   return n;
				 end $$`
			);
			await db.query('set local role authenticated');
			const ended = await db.query(`select public.hosted_shape_end_sessions($1) as n`, [user]);
			await db.query('reset role');
			const left = await db.query(
				`select (select count(*)::int from auth.sessions where user_id = $1) as sessions,
				        (select count(*)::int from auth.refresh_tokens where user_id = $1::text) as tokens`,
				[user]
			);
			return { ended: ended.rows[0].n, ...left.rows[0] };
		});
		// refresh tokens cascade with their session (GoTrue's foreign key)
		expect(counts).toEqual({ ended: 1, sessions: 0, tokens: 0 });
	});

	it('has RLS on every Auth table, so only owners and BYPASSRLS roles read them', async () => {
		const { rows } = await db.query(
			`select array_agg(relname order by relname) filter (where not relrowsecurity) as without_rls,
			        count(*)::int as tables
			   from pg_class where relnamespace = 'auth'::regnamespace and relkind = 'r'`
		);
		expect(rows[0].without_rls).toBeNull();
		expect(rows[0].tables).toBeGreaterThanOrEqual(8);
	});

	it('leaves auth.users token columns NULL by default, as Supabase Auth’s migrations do', async () => {
		const { rows } = await db.query(
			`select column_name::text, column_default::text from information_schema.columns
			  where table_schema = 'auth' and table_name = 'users'
			    and column_name in ('confirmation_token', 'recovery_token', 'email_change_token_new', 'email_change',
			                        'phone_change_token', 'email_change_token_current', 'reauthentication_token')
			  order by 1`
		);
		expect(rows).toEqual([
			{ column_name: 'confirmation_token', column_default: null },
			{ column_name: 'email_change', column_default: null },
			{ column_name: 'email_change_token_current', column_default: "''::character varying" },
			{ column_name: 'email_change_token_new', column_default: null },
			{ column_name: 'phone_change_token', column_default: "''::character varying" },
			{ column_name: 'reauthentication_token', column_default: "''::character varying" },
			{ column_name: 'recovery_token', column_default: null }
		]);
	});
});

describe('Storage’s own rules', () => {
	async function withObject<T>(fn: () => Promise<T>): Promise<T> {
		return rolledBack(async () => {
			await db.query(
				`insert into storage.buckets (id, name) values ('hosted-shape', 'hosted-shape')`
			);
			await db.query(
				`insert into storage.objects (bucket_id, name, updated_at)
				 values ('hosted-shape', 'a/b.png', now() - interval '1 day')`
			);
			return fn();
		});
	}

	it('refuses direct deletes unless storage.allow_delete_query is set, as the Storage API sets it', async () => {
		for (const sql of [
			'delete from storage.objects',
			`delete from storage.buckets where id = 'nothing'`
		]) {
			expect(await failure(sql)).toEqual({
				code: '42501',
				message: 'Direct deletion from storage tables is not allowed. Use the Storage API instead.'
			});
		}
		const deleted = await withObject(async () => {
			await db.query(`select set_config('storage.allow_delete_query', 'true', true)`);
			const r = await db.query(`delete from storage.objects where bucket_id = 'hosted-shape'`);
			return r.rowCount;
		});
		expect(deleted).toBe(1);
	});

	it('keeps objects’ updated_at itself and refuses bucket names over 100 characters', async () => {
		const fresh = await withObject(async () => {
			await db.query(`update storage.objects set metadata = '{}' where bucket_id = 'hosted-shape'`);
			const r = await db.query(
				`select updated_at > now() - interval '1 minute' as fresh from storage.objects where bucket_id = 'hosted-shape'`
			);
			return r.rows[0].fresh;
		});
		expect(fresh).toBe(true);
		const long = 'b'.repeat(101);
		expect(
			(await failure(`insert into storage.buckets (id, name) values ('${long}', '${long}')`))
				.message
		).toMatch(/too long/);
	});

	it('lets postgres manage policies on storage.objects and triggers on auth.users (supautils grants), and nothing more', async () => {
		const done = await rolledBack(async () => {
			await db.query(
				`create policy hosted_shape_read on storage.objects for select to authenticated using (bucket_id = 'hosted-shape')`
			);
			await db.query(`alter policy hosted_shape_read on storage.objects using (false)`);
			await db.query(`comment on policy hosted_shape_read on storage.objects is 'test'`);
			await db.query(`drop policy hosted_shape_read on storage.objects`);
			await db.query(
				`create function public.hosted_shape_noop() returns trigger language plpgsql as 'begin return new; end'`
			);
			await db.query(
				`create trigger hosted_shape_noop after insert on auth.users for each row execute function public.hosted_shape_noop()`
			);
			await db.query(`drop trigger hosted_shape_noop on auth.users`);
			const m = await db.query(
				`select pg_has_role('postgres', 'supabase_storage_admin', 'member') or pg_has_role('postgres', 'supabase_auth_admin', 'member') as member`
			);
			return m.rows[0].member;
		});
		expect(done, 'postgres is not left a member of the service roles').toBe(false);
		// tables the grants do not list stay the owner's
		expect(
			await failure(
				`create policy hosted_shape_x on auth.one_time_tokens for select to authenticated using (true)`
			)
		).toEqual({ code: '42501', message: 'must be owner of table one_time_tokens' });
		expect(await failure(`alter table storage.objects enable row level security`)).toMatchObject({
			code: '42501'
		});
	});
});
