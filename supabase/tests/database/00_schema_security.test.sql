-- Schema-wide guarantees: every table the Data API can reach has RLS, policies always name their
-- role, no security definer function sits in an exposed schema, and the tenancy tables exist with
-- the privileges each API role is meant to have (anon: none).
begin;
\ir ../helpers.psql

select plan(31);

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

-- functions: where security definers live, how they are pinned, who may run triggers
select is_empty(format('select signature from tests.functions where %s', c.condition), c.description)
  from (values
    ($$ schema in ('public', 'graphql_public') and definer $$,
     'no security definer function in an exposed schema (they live in private)'),
    ($$ schema = 'private' and definer and not coalesce(array_to_string(config, ',') like '%search_path=""%', false) $$,
     'every security definer function in private pins search_path to empty'),
    ($$ schema = 'private' and returns = 'trigger'::regtype
        and (has_function_privilege('anon', oid, 'execute') or has_function_privilege('authenticated', oid, 'execute')) $$,
     'trigger functions are not executable by the API roles')
  ) c (condition, description);

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

-- authenticated: only what the policies need; sensitive columns are not writable at all. Functions:
-- who may execute what.
select tests.privilege_is(c.roles, c.privilege, c.objects, c.granted, c.description)
  from (values
    ('{authenticated}'::text[], 'insert', '{public.organizations}'::text[], false, 'authenticated cannot insert organizations'),
    ('{authenticated}', 'delete', '{public.organizations}', false, 'authenticated cannot delete organizations'),
    ('{authenticated}', 'update', '{public.organizations.status, public.organizations.slug, public.organizations.plan_id,
                                   public.organizations.type, public.organizations.suspended_reason, public.organizations.id}', false,
     'organizations: id, slug, type, status, suspended_reason and plan_id are not updatable by authenticated'),
    ('{authenticated}', 'update', '{public.organizations.name, public.organizations.theme_color, public.organizations.logo_path,
                                   public.organizations.sign_in_message}', true,
     'organizations: the branding columns are updatable (policies decide by whom)'),
    ('{authenticated}', 'update', '{public.memberships.organization_id, public.memberships.user_id}', false,
     'memberships: organization_id and user_id are not updatable'),
    ('{authenticated}', 'update', '{public.profiles.active_organization_id, public.profiles.email, public.profiles.id}', false,
     'profiles: id, email and active_organization_id are not updatable'),
    ('{authenticated}', 'insert', '{public.platform_admins}', false, 'platform_admins are not inserted by authenticated'),
    ('{authenticated}', 'update', '{public.platform_admins}', false, 'platform_admins are not updated by authenticated'),
    ('{authenticated}', 'delete', '{public.platform_admins}', false, 'platform_admins are not deleted by authenticated'),
    ('{supabase_auth_admin}', 'execute', '{public.custom_access_token_hook(jsonb)}', true, 'supabase_auth_admin executes the access token hook'),
    ('{authenticated, anon, service_role}', 'execute', '{public.custom_access_token_hook(jsonb)}', false, 'nobody else executes the access token hook'),
    ('{anon, authenticated}', 'execute', '{"public.get_branding(text, text)"}', true, 'get_branding is callable before and after sign-in'),
    ('{authenticated}', 'execute', '{public.switch_organization(uuid), public.my_organizations()}', true,
     'switch_organization and my_organizations are for signed-in people'),
    ('{anon}', 'execute', '{public.switch_organization(uuid), public.my_organizations()}', false,
     'anon cannot execute switch_organization or my_organizations'),
    ('{anon}', 'execute', '{private.current_org_id(), private.is_org_admin(), private.switch_organization(uuid)}', false,
     'anon cannot execute the private tenancy helpers')
  ) c (roles, privilege, objects, granted, description);

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
