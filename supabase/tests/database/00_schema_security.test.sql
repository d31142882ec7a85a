-- Schema-wide guarantees: every table the Data API can reach has RLS, policies always name their
-- role, no security definer function sits in an exposed schema, and the tenancy tables exist with
-- the privileges each API role is meant to have (anon: none).
begin;
\ir ../helpers.psql

select plan(29);

select is_empty(
  $$ select n.nspname || '.' || c.relname
       from pg_catalog.pg_class c
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname in ('public', 'graphql_public')
        and c.relkind in ('r', 'p')
        and not c.relrowsecurity $$,
  'every table in an exposed schema (public, graphql_public) has row level security enabled'
);

select is_empty(
  $$ select schemaname || '.' || tablename || ' ' || policyname
       from pg_catalog.pg_policies
      where schemaname in ('public', 'graphql_public', 'storage')
        and 'public' = any (roles) $$,
  'no policy applies to the PUBLIC pseudo-role: each names its role'
);

select is_empty(
  $$ select schemaname || '.' || tablename || ' ' || policyname
       from pg_catalog.pg_policies
      where schemaname in ('public', 'graphql_public')
        and cmd = 'ALL' $$,
  'no "for all" policies: one policy per operation'
);

select is_empty(
  $$ select p.oid::regprocedure::text
       from pg_catalog.pg_proc p
       join pg_catalog.pg_namespace n on n.oid = p.pronamespace
      where n.nspname in ('public', 'graphql_public')
        and p.prosecdef $$,
  'no security definer function in an exposed schema (they live in private)'
);

select is_empty(
  $$ select p.oid::regprocedure::text
       from pg_catalog.pg_proc p
       join pg_catalog.pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'private'
        and p.prosecdef
        and not coalesce(array_to_string(p.proconfig, ',') like '%search_path=""%', false) $$,
  'every security definer function in private pins search_path to empty'
);

select is(
  (select count(*)::int from pg_catalog.pg_tables
    where schemaname = 'public'
      and tablename in ('plans', 'organizations', 'organization_domains', 'profiles',
                        'memberships', 'platform_admins')),
  6,
  'the tenancy tables exist'
);

select enum_has_labels(
  'public', 'member_role',
  array['admin', 'doctor', 'nurse', 'receptionist', 'lab_technician', 'pharmacist'],
  'roles: admin, doctor, nurse, receptionist, lab_technician, pharmacist'
);
select enum_has_labels(
  'public', 'membership_status', array['invited', 'active', 'suspended', 'removed'],
  'membership statuses'
);
select enum_has_labels('public', 'organization_status', array['active', 'suspended'], 'organization statuses');

-- anon has no privilege at all on the tenancy tables
select is_empty(
  $$ select t || ' ' || p
       from unnest(array['plans', 'organizations', 'organization_domains', 'profiles',
                         'memberships', 'platform_admins']) t,
            unnest(array['select', 'insert', 'update', 'delete', 'truncate', 'references', 'trigger']) p
      where has_table_privilege('anon', 'public.' || t, p) $$,
  'anon holds no privilege on any tenancy table'
);

-- authenticated: only what the policies need; sensitive columns are not writable at all
select ok(not has_table_privilege('authenticated', 'public.organizations', 'insert'), 'authenticated cannot insert organizations');
select ok(not has_table_privilege('authenticated', 'public.organizations', 'delete'), 'authenticated cannot delete organizations');
select ok(
  not has_column_privilege('authenticated', 'public.organizations', 'status', 'update')
  and not has_column_privilege('authenticated', 'public.organizations', 'slug', 'update')
  and not has_column_privilege('authenticated', 'public.organizations', 'plan_id', 'update')
  and not has_column_privilege('authenticated', 'public.organizations', 'type', 'update')
  and not has_column_privilege('authenticated', 'public.organizations', 'suspended_reason', 'update')
  and not has_column_privilege('authenticated', 'public.organizations', 'id', 'update'),
  'organizations: id, slug, type, status, suspended_reason and plan_id are not updatable by authenticated'
);
select ok(
  has_column_privilege('authenticated', 'public.organizations', 'name', 'update')
  and has_column_privilege('authenticated', 'public.organizations', 'theme_color', 'update')
  and has_column_privilege('authenticated', 'public.organizations', 'logo_path', 'update')
  and has_column_privilege('authenticated', 'public.organizations', 'sign_in_message', 'update'),
  'organizations: the branding columns are updatable (policies decide by whom)'
);
select ok(
  not has_column_privilege('authenticated', 'public.memberships', 'organization_id', 'update')
  and not has_column_privilege('authenticated', 'public.memberships', 'user_id', 'update'),
  'memberships: organization_id and user_id are not updatable'
);
select ok(
  not has_column_privilege('authenticated', 'public.profiles', 'active_organization_id', 'update')
  and not has_column_privilege('authenticated', 'public.profiles', 'email', 'update')
  and not has_column_privilege('authenticated', 'public.profiles', 'id', 'update'),
  'profiles: id, email and active_organization_id are not updatable'
);
select ok(
  not has_table_privilege('authenticated', 'public.platform_admins', 'insert')
  and not has_table_privilege('authenticated', 'public.platform_admins', 'update')
  and not has_table_privilege('authenticated', 'public.platform_admins', 'delete'),
  'platform_admins are written by the service role only'
);

-- functions: who may execute what
select ok(
  has_function_privilege('supabase_auth_admin', 'public.custom_access_token_hook(jsonb)', 'execute'),
  'supabase_auth_admin executes the access token hook'
);
select ok(
  not has_function_privilege('authenticated', 'public.custom_access_token_hook(jsonb)', 'execute')
  and not has_function_privilege('anon', 'public.custom_access_token_hook(jsonb)', 'execute')
  and not has_function_privilege('service_role', 'public.custom_access_token_hook(jsonb)', 'execute'),
  'nobody else executes the access token hook'
);
select ok(
  has_function_privilege('anon', 'public.get_branding(text, text)', 'execute')
  and has_function_privilege('authenticated', 'public.get_branding(text, text)', 'execute'),
  'get_branding is callable before and after sign-in'
);
select ok(
  not has_function_privilege('anon', 'public.switch_organization(uuid)', 'execute')
  and has_function_privilege('authenticated', 'public.switch_organization(uuid)', 'execute'),
  'switch_organization is for signed-in people only'
);
select ok(
  not has_function_privilege('anon', 'public.my_organizations()', 'execute')
  and has_function_privilege('authenticated', 'public.my_organizations()', 'execute'),
  'my_organizations is for signed-in people only'
);
select ok(
  not has_function_privilege('anon', 'private.current_org_id()', 'execute')
  and not has_function_privilege('anon', 'private.is_org_admin()', 'execute')
  and not has_function_privilege('anon', 'private.switch_organization(uuid)', 'execute'),
  'anon cannot execute the private tenancy helpers'
);
select is_empty(
  $$ select p.oid::regprocedure::text
       from pg_catalog.pg_proc p
       join pg_catalog.pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'private'
        and p.prorettype = 'trigger'::regtype
        and (has_function_privilege('anon', p.oid, 'execute')
             or has_function_privilege('authenticated', p.oid, 'execute')) $$,
  'trigger functions are not executable by the API roles'
);

-- indexes behind the policies and foreign keys
select has_index('public', 'memberships', 'memberships_user_id_organization_id_key',
  array['user_id', 'organization_id'], 'memberships has the (user_id, organization_id) lookup index');
select is_empty(
  $$ select c.conrelid::regclass::text || ' ' || c.conname
       from pg_catalog.pg_constraint c
       join pg_catalog.pg_namespace n on n.oid = c.connamespace
      where c.contype = 'f'
        and n.nspname = 'public'
        and c.conrelid::regclass::text in ('organizations', 'organization_domains', 'profiles',
                                           'memberships', 'platform_admins')
        and not exists (
          select 1 from pg_catalog.pg_index i
           where i.indrelid = c.conrelid
             and (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] = c.conkey
        ) $$,
  'every tenancy foreign key is covered by an index'
);
select is(
  (select count(*)::int from pg_catalog.pg_trigger t
    where t.tgrelid in ('public.plans'::regclass, 'public.organizations'::regclass,
                        'public.organization_domains'::regclass, 'public.profiles'::regclass,
                        'public.memberships'::regclass, 'public.platform_admins'::regclass)
      and t.tgfoid = 'private.set_timestamps()'::regprocedure),
  6,
  'every tenancy table keeps created_at/updated_at with the shared trigger'
);

-- No validation before authorization (docs/security.md, "What an outsider can learn") ----------------
-- BEFORE triggers run before RLS's WITH CHECK. A table the API roles may insert into whose BEFORE
-- INSERT row triggers do anything but timestamps must fire private.authorize_row_write() first, so
-- checks, counters and locks see only rows the table's policy admits.
select is_empty(
  $$ select c.oid::regclass::text
       from pg_catalog.pg_class c
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname in ('public', 'graphql_public')
        and c.relkind in ('r', 'p')
        and (has_any_column_privilege('authenticated', c.oid, 'insert')
             or has_any_column_privilege('anon', c.oid, 'insert'))
        and exists (
          select 1 from pg_catalog.pg_trigger t
           where t.tgrelid = c.oid and not t.tgisinternal
             and t.tgtype & 1 = 1 and t.tgtype & 2 = 2 and t.tgtype & 4 = 4   -- row, before, insert
             and t.tgfoid <> 'private.set_timestamps()'::regprocedure
        )
        and coalesce((
          select t.tgfoid = 'private.authorize_row_write()'::regprocedure
            from pg_catalog.pg_trigger t
           where t.tgrelid = c.oid and not t.tgisinternal
             and t.tgtype & 1 = 1 and t.tgtype & 2 = 2 and t.tgtype & 4 = 4
           order by t.tgname
           limit 1
        ), false) is false $$,
  'every API-insertable table with BEFORE INSERT checks fires private.authorize_row_write first'
);

-- A client never collides with another clinic's row: every unique key made only of columns an API
-- role may insert includes organization_id (a global key would answer "duplicate key" for another
-- clinic's value and "not present" or success for an unknown one).
select is_empty(
  $$ select i.indexrelid::regclass::text
       from pg_catalog.pg_index i
       join pg_catalog.pg_class c on c.oid = i.indrelid
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname in ('public', 'graphql_public')
        and i.indisunique
        and not exists (
          select 1 from unnest(i.indkey::int2[]) k
           where k = 0
              or not (has_column_privilege('authenticated', c.oid, k, 'insert')
                      or has_column_privilege('anon', c.oid, k, 'insert'))
        )
        and not exists (
          select 1 from unnest(i.indkey::int2[]) k
            join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum = k
           where a.attname = 'organization_id'
        ) $$,
  'every unique key a client can fill alone is scoped to the clinic (organization_id)'
);

select * from finish();

rollback;
