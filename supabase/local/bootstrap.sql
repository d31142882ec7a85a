-- Platform bootstrap for the Docker-free local runtime.
--
-- Recreates what a hosted Supabase project's database holds before the project's own migrations
-- run, in hosted Supabase's privilege shape (docs/local-runtime.md, "Hosted shape", lists each fact
-- and where it comes from):
--   * `supabase_admin` is the only superuser; it runs this file and owns the platform schemas;
--   * `postgres`, which applies migrations and seed (`supabase db push`), is NOSUPERUSER with
--     CREATEDB, CREATEROLE, REPLICATION and BYPASSRLS, a member of anon/authenticated/service_role
--     but not of supabase_auth_admin or supabase_storage_admin, and owns nothing in auth or storage;
--   * GoTrue's and Storage's tables are owned by their service roles, with the grants, RLS flags,
--     triggers and column defaults their own migrations leave;
--   * the parts of `supautils` (Supabase's C extension) that let `postgres` manage policies and
--     drop triggers on listed auth/storage tables are reproduced with event triggers.
-- Idempotent: runs on every start. Never add project tables here; those are migrations.

set client_min_messages = warning;

-- Roles ------------------------------------------------------------------------------------------
-- Passwords are the local stack's well-known 'postgres' (as `supabase start`); loopback only.
do $$
declare
  v_role record;
begin
  for v_role in
    select * from (values
      ('postgres', true), ('anon', false), ('authenticated', false), ('service_role', false),
      ('authenticator', true), ('supabase_auth_admin', true), ('supabase_storage_admin', true),
      ('dashboard_user', false)
    ) as r (name, can_login)
  loop
    if not exists (select from pg_roles where rolname = v_role.name) then
      execute format('create role %I %s', v_role.name,
                     case when v_role.can_login then 'login password ''postgres''' else 'nologin' end);
    end if;
  end loop;
end
$$;

-- Attributes as supabase/postgres leaves them (migrations/db/migrations, nix/tests/expected/roles.out).
alter role postgres nosuperuser login inherit createdb createrole replication bypassrls;
alter role anon nologin inherit nocreaterole nocreatedb nobypassrls;
alter role authenticated nologin inherit nocreaterole nocreatedb nobypassrls;
alter role service_role nologin inherit nocreaterole nocreatedb bypassrls;
alter role authenticator login noinherit nocreaterole nocreatedb nobypassrls;
alter role supabase_auth_admin login noinherit nocreaterole nocreatedb noreplication nobypassrls;
alter role supabase_storage_admin login noinherit createrole nocreatedb noreplication nobypassrls;
alter role dashboard_user nologin inherit createrole createdb replication nobypassrls;

alter role postgres set search_path = "$user", public, extensions;
alter role supabase_admin set search_path = "$user", public, auth, extensions;
alter role supabase_admin set log_statement = none;
alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';
alter role authenticator set statement_timeout = '8s';
alter role authenticator set lock_timeout = '8s';
-- Hosted also preloads `safeupdate` for authenticator (UPDATE/DELETE need a WHERE clause); the
-- extension is not packaged for Debian, so the gateway's Data API refuses those requests itself.
alter role supabase_auth_admin set search_path = auth;
alter role supabase_auth_admin set idle_in_transaction_session_timeout = 60000;
alter role supabase_auth_admin set log_statement = none;
alter role supabase_storage_admin set search_path = storage;
alter role supabase_storage_admin set log_statement = none;

grant anon, authenticated, service_role to authenticator;
grant anon, authenticated, service_role to postgres;
grant pg_monitor, pg_read_all_data, pg_signal_backend to postgres;
grant authenticator to supabase_storage_admin;
-- Never more than hosted: these memberships were revoked there (20231013070755, 20250421084701).
revoke anon, authenticated, service_role from supabase_storage_admin;
revoke supabase_auth_admin, supabase_storage_admin from postgres;

-- supautils.privileged_role_allowed_configs lets postgres set these superuser-only parameters on
-- hosted (supautils.conf.j2); Postgres 15's parameter privileges do the same here (the pgaudit,
-- pg_net, pgrst, plan_filter and safeupdate ones name extensions this cluster does not have).
grant set on parameter session_replication_role, log_lock_waits, log_min_messages, track_io_timing,
  auto_explain.log_min_duration, auto_explain.log_nested_statements to postgres;

-- The database belongs to postgres, as on hosted (so does `public`, through pg_database_owner).
-- current_database(): the benchmark's databases get the same bootstrap.
do $$
begin
  execute format('alter database %I owner to postgres', current_database());
  execute format('grant all on database %I to postgres, dashboard_user', current_database());
  execute format('grant create on database %I to supabase_auth_admin', current_database());
end
$$;

-- Schemas and extensions -------------------------------------------------------------------------
create schema if not exists extensions;
alter schema extensions owner to postgres;
grant usage on schema extensions to anon, authenticated, service_role;
grant all on schema extensions to dashboard_user;
create extension if not exists pgcrypto with schema extensions;
create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists pg_stat_statements with schema extensions;
grant all privileges on all tables in schema extensions to postgres with grant option;
grant all privileges on all routines in schema extensions to postgres with grant option;
grant all privileges on all sequences in schema extensions to postgres with grant option;
alter default privileges in schema extensions grant all on tables to postgres with grant option;
alter default privileges in schema extensions grant all on routines to postgres with grant option;
alter default privileges in schema extensions grant all on sequences to postgres with grant option;
-- Local only: the Auth stand-in hashes passwords with pgcrypto's bcrypt as supabase_auth_admin
-- (GoTrue hashes in Go and needs no such grant).
grant usage on schema extensions to supabase_auth_admin;

create schema if not exists graphql_public;
grant usage on schema graphql_public to postgres, anon, authenticated, service_role;

grant usage on schema public to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on sequences to postgres, anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to postgres, anon, authenticated, service_role;

-- auth: owned by supabase_admin; GoTrue (supabase_auth_admin) creates in it; postgres may only use it.
create schema if not exists auth;
alter schema auth owner to supabase_admin;
grant usage on schema auth to anon, authenticated, service_role, postgres;
grant all on schema auth to supabase_auth_admin, dashboard_user;
revoke create on schema auth from postgres;
alter default privileges for role supabase_auth_admin in schema auth grant all on tables to postgres, dashboard_user;
alter default privileges for role supabase_auth_admin in schema auth grant all on sequences to postgres, dashboard_user;
alter default privileges for role supabase_auth_admin in schema auth grant all on routines to postgres, dashboard_user;

-- auth: GoTrue's tables (column names and defaults as supabase/auth migrations leave them) --------
-- Created as supabase_auth_admin, as GoTrue's own migrations run; the default privileges above give
-- postgres and dashboard_user ALL on each of them.
set role supabase_auth_admin;

create table if not exists auth.users (
  instance_id uuid,
  id uuid primary key,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  invited_at timestamptz,
  confirmation_token varchar(255),
  confirmation_sent_at timestamptz,
  recovery_token varchar(255),
  recovery_sent_at timestamptz,
  email_change_token_new varchar(255),
  email_change varchar(255),
  email_change_sent_at timestamptz,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_super_admin boolean,
  created_at timestamptz,
  updated_at timestamptz,
  phone text unique default null,
  phone_confirmed_at timestamptz,
  phone_change text default '',
  phone_change_token varchar(255) default '',
  phone_change_sent_at timestamptz,
  confirmed_at timestamptz generated always as (least(email_confirmed_at, phone_confirmed_at)) stored,
  email_change_token_current varchar(255) default '',
  email_change_confirm_status smallint default 0 check (email_change_confirm_status >= 0 and email_change_confirm_status <= 2),
  banned_until timestamptz,
  reauthentication_token varchar(255) default '',
  reauthentication_sent_at timestamptz,
  is_sso_user boolean not null default false,
  deleted_at timestamptz,
  is_anonymous boolean not null default false
);
create unique index if not exists users_email_partial_key on auth.users (email) where (is_sso_user = false);
create index if not exists users_instance_id_idx on auth.users (instance_id);
comment on table auth.users is 'Auth: Stores user login data within a secure schema.';

create table if not exists auth.identities (
  provider_id text not null,
  user_id uuid not null references auth.users (id) on delete cascade,
  identity_data jsonb not null,
  provider text not null,
  last_sign_in_at timestamptz,
  created_at timestamptz,
  updated_at timestamptz,
  email text generated always as (lower(identity_data ->> 'email')) stored,
  id uuid primary key default gen_random_uuid(),
  constraint identities_provider_id_provider_unique unique (provider_id, provider)
);
create index if not exists identities_user_id_idx on auth.identities (user_id);

create table if not exists auth.sessions (
  id uuid primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz,
  updated_at timestamptz,
  factor_id uuid,
  aal text,
  not_after timestamptz,
  refreshed_at timestamp,
  user_agent text,
  ip inet,
  tag text
);
create index if not exists sessions_user_id_idx on auth.sessions (user_id);

create table if not exists auth.refresh_tokens (
  instance_id uuid,
  id bigserial primary key,
  token varchar(255) unique,
  user_id varchar(255),
  revoked boolean,
  created_at timestamptz,
  updated_at timestamptz,
  parent varchar(255),
  session_id uuid references auth.sessions (id) on delete cascade
);
create index if not exists refresh_tokens_session_id_revoked_idx on auth.refresh_tokens (session_id, revoked);
create index if not exists refresh_tokens_parent_idx on auth.refresh_tokens (parent);

create table if not exists auth.flow_state (
  id uuid primary key,
  user_id uuid,
  auth_code text not null,
  code_challenge_method text not null,
  code_challenge text not null,
  provider_type text not null,
  provider_access_token text,
  provider_refresh_token text,
  created_at timestamptz,
  updated_at timestamptz,
  authentication_method text not null,
  auth_code_issued_at timestamptz
);
create index if not exists idx_auth_code on auth.flow_state (auth_code);

create table if not exists auth.one_time_tokens (
  id uuid primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  token_type text not null,
  token_hash text not null check (char_length(token_hash) > 0),
  relates_to text not null,
  created_at timestamp not null default now(),
  updated_at timestamp not null default now(),
  constraint one_time_tokens_user_id_token_type_key unique (user_id, token_type)
);
create index if not exists one_time_tokens_token_hash_hash_idx on auth.one_time_tokens using hash (token_hash);

create table if not exists auth.audit_log_entries (
  instance_id uuid,
  id uuid primary key,
  payload json,
  created_at timestamptz,
  ip_address varchar(64) not null default ''
);

create table if not exists auth.mfa_amr_claims (
  session_id uuid not null references auth.sessions (id) on delete cascade,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  authentication_method text not null,
  id uuid not null primary key,
  constraint mfa_amr_claims_session_id_authentication_method_pkey unique (session_id, authentication_method)
);

-- auth helper functions, as GoTrue's migrations define them
-- auth.uid(), auth.role() and auth.email(): one claim each, read from request.jwt.claim.<claim>
-- or else from the request.jwt.claims object
do $$
declare
  v_claim record;
begin
  for v_claim in
    select * from (values ('uid', 'sub', 'uuid'), ('role', 'role', 'text'), ('email', 'email', 'text'))
      as c (fn, claim, type)
  loop
    execute format(
      $f$create or replace function auth.%I() returns %s
language sql stable
as $body$
  select coalesce(
    nullif(current_setting(%L, true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> %L)
  )::%s
$body$
$f$,
      v_claim.fn, v_claim.type, 'request.jwt.claim.' || v_claim.claim, v_claim.claim, v_claim.type);
  end loop;
end
$$;

create or replace function auth.jwt() returns jsonb
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

-- GoTrue leaves these NULL by default (supabase/auth migrations 00, 20210710035447, 20210730183235,
-- 20220323170000 give defaults only to phone_change, phone_change_token, email_change_token_current,
-- reauthentication_token); SQL that inserts users must set them, as seed.sql does.
alter table auth.users alter column confirmation_token drop default;
alter table auth.users alter column recovery_token drop default;
alter table auth.users alter column email_change_token_new drop default;
alter table auth.users alter column email_change drop default;

-- RLS on every Auth table, no policies (supabase/auth 20240612123726_enable_rls_update_grants):
-- only the owner and BYPASSRLS roles (postgres, service_role) read them.
do $$
declare
  t text;
begin
  foreach t in array array['users', 'identities', 'sessions', 'refresh_tokens', 'flow_state',
                           'one_time_tokens', 'audit_log_entries', 'mfa_amr_claims'] loop
    execute format('alter table auth.%I enable row level security', t);
    execute format('grant select on auth.%I to postgres with grant option', t);
  end loop;
end
$$;

reset role;

-- Tables created before the default privileges existed (or restored from a backup) get them too.
grant all on all tables in schema auth to postgres, dashboard_user;
grant all on all sequences in schema auth to postgres, dashboard_user;
grant all on all routines in schema auth to postgres, dashboard_user;
grant execute on function auth.uid(), auth.role(), auth.email(), auth.jwt()
  to anon, authenticated, service_role, postgres, supabase_storage_admin;

-- storage: owned by supabase_admin; Storage (supabase_storage_admin) creates in it -----------------
create schema if not exists storage;
alter schema storage owner to supabase_admin;
grant usage on schema storage to postgres with grant option;
grant usage on schema storage to anon, authenticated, service_role;
grant all on schema storage to supabase_storage_admin, dashboard_user;
revoke create on schema storage from postgres;

-- storage: Storage API's tables (supabase/storage migrations/tenant) ------------------------------
set role supabase_storage_admin;

create table if not exists storage.buckets (
  id text primary key,
  name text not null,
  owner uuid,
  owner_id text,
  public boolean default false,
  avif_autodetection boolean default false,
  file_size_limit bigint,
  allowed_mime_types text[],
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);
create unique index if not exists bname on storage.buckets (name);

create table if not exists storage.objects (
  id uuid primary key default gen_random_uuid(),
  bucket_id text references storage.buckets (id),
  name text,
  owner uuid,
  owner_id text,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  last_accessed_at timestamptz default now(),
  metadata jsonb,
  path_tokens text[] generated always as (string_to_array(name, '/')) stored,
  version text,
  user_metadata jsonb
);
create unique index if not exists bucketid_objname on storage.objects (bucket_id, name);
create index if not exists name_prefix_search on storage.objects (name text_pattern_ops);

alter table storage.buckets enable row level security;
alter table storage.objects enable row level security;

create or replace function storage.foldername(name text) returns text[]
language plpgsql immutable
as $$
declare
  _parts text[];
begin
  select string_to_array(name, '/') into _parts;
  return _parts[1:array_length(_parts, 1) - 1];
end
$$;

create or replace function storage.filename(name text) returns text
language plpgsql immutable
as $$
declare
  _parts text[];
begin
  select string_to_array(name, '/') into _parts;
  return _parts[array_length(_parts, 1)];
end
$$;

create or replace function storage.extension(name text) returns text
language plpgsql immutable
as $$
declare
  _parts text[];
  _filename text;
begin
  select string_to_array(name, '/') into _parts;
  select _parts[array_length(_parts, 1)] into _filename;
  return reverse(split_part(reverse(_filename), '.', 1));
end
$$;

-- storage.search: list objects and folders one level below a prefix (security invoker, RLS applies).
-- Prefix and search are compared literally (no LIKE), so `_` and `%` in names match only themselves.
create or replace function storage.search(
  prefix text, bucketname text, limits int default 100, levels int default 1,
  offsets int default 0, search text default '', sortcolumn text default 'name', sortorder text default 'asc'
) returns table (name text, id uuid, updated_at timestamptz, created_at timestamptz,
                 last_accessed_at timestamptz, metadata jsonb)
language plpgsql stable
as $$
declare
  v_order text := case when lower(sortorder) = 'desc' then 'desc' else 'asc' end;
  v_col text := case when sortcolumn in ('name', 'updated_at', 'created_at', 'last_accessed_at')
                     then sortcolumn else 'name' end;
begin
  return query execute format(
    $q$
    with items as (
      select split_part(substr(o.name, length($1) + 1), '/', 1) as item,
             (position('/' in substr(o.name, length($1) + 1)) > 0) as is_folder,
             o.id, o.updated_at, o.created_at, o.last_accessed_at, o.metadata
        from storage.objects o
       where o.bucket_id = $2
         and left(o.name, length($1)) = $1
         and starts_with(lower(split_part(substr(o.name, length($1) + 1), '/', 1)), lower($3))
    ), grouped as (
      select item as name,
             case when bool_or(is_folder) and not bool_or(not is_folder) then null else (array_agg(id) filter (where not is_folder))[1] end as id,
             max(updated_at) filter (where not is_folder) as updated_at,
             max(created_at) filter (where not is_folder) as created_at,
             max(last_accessed_at) filter (where not is_folder) as last_accessed_at,
             (array_agg(metadata) filter (where not is_folder))[1] as metadata
        from items
       where item <> ''
       group by item
    )
    select * from grouped order by %I %s nulls last limit $4 offset $5
    $q$, v_col, v_order)
  using prefix, bucketname, coalesce(search, ''), limits, offsets;
end
$$;

-- Storage keeps updated_at itself (supabase/storage migrations/tenant/0011) and refuses bucket names
-- over 100 characters (0037).
create or replace function storage.update_updated_at_column() returns trigger
language plpgsql
as $$
begin
  new.updated_at = now();
  return new;
end;
$$;
drop trigger if exists update_objects_updated_at on storage.objects;
create trigger update_objects_updated_at before update on storage.objects
  for each row execute function storage.update_updated_at_column();

create or replace function storage.enforce_bucket_name_length() returns trigger
language plpgsql
as $$
begin
  if length(new.name) > 100 then
    raise exception 'bucket name "%" is too long (% characters). Max is 100.', new.name, length(new.name);
  end if;
  return new;
end;
$$;
drop trigger if exists enforce_bucket_name_length_trigger on storage.buckets;
create trigger enforce_bucket_name_length_trigger before insert or update of name on storage.buckets
  for each row execute function storage.enforce_bucket_name_length();

-- Direct deletes are refused unless the transaction set storage.allow_delete_query = 'true', which
-- the Storage API does for every request (0055-prevent-direct-deletes; src/internal/database/
-- postgres/scope.ts). SQL that removes objects must go through the Storage API (or set it knowing
-- the files stay behind).
create or replace function storage.protect_delete() returns trigger
language plpgsql
as $$
begin
  if coalesce(current_setting('storage.allow_delete_query', true), 'false') != 'true' then
    raise exception 'Direct deletion from storage tables is not allowed. Use the Storage API instead.'
      using hint = 'This prevents accidental data loss from orphaned objects.',
            errcode = '42501';
  end if;
  return null;
end;
$$;
drop trigger if exists protect_buckets_delete on storage.buckets;
create trigger protect_buckets_delete before delete on storage.buckets
  for each statement execute function storage.protect_delete();
drop trigger if exists protect_objects_delete on storage.objects;
create trigger protect_objects_delete before delete on storage.objects
  for each statement execute function storage.protect_delete();

reset role;

-- 0046/0049: the API roles get every privilege; postgres too, with grant option.
grant all on storage.buckets, storage.objects to anon, authenticated, service_role;
grant all on storage.buckets, storage.objects to postgres with grant option;
grant execute on all functions in schema storage to anon, authenticated, service_role, postgres;
grant all on all sequences in schema storage to dashboard_user;
grant all on all routines in schema storage to dashboard_user;

-- supautils, the parts migrations rely on ----------------------------------------------------------
-- Hosted Postgres loads Supabase's `supautils` extension with
--   supautils.policy_grants = supautils.drop_trigger_grants = {"postgres": [<tables below>]}
-- (supabase/postgres ansible/files/postgresql_config/supautils.conf.j2): postgres may create, alter,
-- comment on and drop policies, and drop triggers, on those tables without owning them; anything
-- else on a table it does not own fails with "must be owner". Without the C extension, event
-- triggers give postgres the owners' privileges for exactly those statements and check afterwards
-- that the statement touched only a listed table. Nothing else of supautils is reproduced (see
-- docs/local-runtime.md).
create schema if not exists local_supautils;
revoke all on schema local_supautils from public;
comment on schema local_supautils is
  'Local runtime only: event triggers standing in for supautils policy_grants/drop_trigger_grants.';

create or replace function local_supautils.granted_tables() returns text[]
language sql immutable
set search_path = ''
as $$
  select array['auth.audit_log_entries', 'auth.identities', 'auth.refresh_tokens', 'auth.sessions',
               'auth.users', 'realtime.messages', 'storage.buckets', 'storage.migrations',
               'storage.objects', 'storage.s3_multipart_uploads', 'storage.s3_multipart_uploads_parts']
$$;

-- The role the statement runs as (security definer functions see themselves as current_user).
create or replace function local_supautils.acting_role() returns text
language sql stable
set search_path = ''
as $$
  select case when current_setting('role') = 'none' then session_user::text
              else current_setting('role') end
$$;

create or replace function local_supautils.on_ddl_start() returns event_trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if local_supautils.acting_role() = 'postgres'
     and not pg_catalog.pg_has_role('postgres', 'supabase_storage_admin', 'member') then
    perform pg_catalog.set_config('local_supautils.lent', 'on', true);
    grant supabase_auth_admin, supabase_storage_admin to postgres;
  end if;
end;
$$;

-- Refuses (as Postgres would have) a statement that reached an object of Auth or Storage that the
-- grants do not cover; `rel` is the table the object belongs to, `what` names it for the message.
create or replace function local_supautils.check_target(rel oid, is_policy_or_trigger boolean, what text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_owner name;
  v_name text;
begin
  select r.rolname, n.nspname || '.' || c.relname into v_owner, v_name
    from pg_catalog.pg_class c
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    join pg_catalog.pg_roles r on r.oid = c.relowner
   where c.oid = rel;
  if v_owner in ('supabase_auth_admin', 'supabase_storage_admin')
     and not (is_policy_or_trigger and v_name = any (local_supautils.granted_tables())) then
    raise exception 'must be owner of table %', split_part(coalesce(v_name, what), '.', 2)
      using errcode = '42501';
  end if;
end;
$$;

create or replace function local_supautils.on_ddl_end() returns event_trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  cmd record;
begin
  if current_setting('local_supautils.lent', true) is distinct from 'on' then
    return;
  end if;
  for cmd in select * from pg_catalog.pg_event_trigger_ddl_commands() loop
    if cmd.classid = 'pg_catalog.pg_policy'::regclass then
      perform local_supautils.check_target(
        (select p.polrelid from pg_catalog.pg_policy p where p.oid = cmd.objid), true, cmd.object_identity);
    elsif cmd.classid = 'pg_catalog.pg_class'::regclass then
      perform local_supautils.check_target(cmd.objid, false, cmd.object_identity);
    elsif cmd.classid = 'pg_catalog.pg_trigger'::regclass then
      perform local_supautils.check_target(
        (select t.tgrelid from pg_catalog.pg_trigger t where t.oid = cmd.objid), false, cmd.object_identity);
    elsif cmd.classid = 'pg_catalog.pg_constraint'::regclass then
      perform local_supautils.check_target(
        (select c.conrelid from pg_catalog.pg_constraint c where c.oid = cmd.objid), false, cmd.object_identity);
    elsif cmd.schema_name in ('auth', 'storage') then
      raise exception 'must be owner of %', cmd.object_identity using errcode = '42501';
    end if;
  end loop;
  revoke supabase_auth_admin, supabase_storage_admin from postgres;
  perform pg_catalog.set_config('local_supautils.lent', 'off', true);
end;
$$;

create or replace function local_supautils.on_sql_drop() returns event_trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  obj record;
begin
  if current_setting('local_supautils.lent', true) is distinct from 'on' then
    return;
  end if;
  for obj in select * from pg_catalog.pg_event_trigger_dropped_objects() loop
    if obj.object_type in ('policy', 'trigger') then
      perform local_supautils.check_target(
        pg_catalog.to_regclass(pg_catalog.quote_ident(obj.address_names[1]) || '.' ||
                               pg_catalog.quote_ident(obj.address_names[2])),
        true, obj.object_identity);
    elsif obj.schema_name in ('auth', 'storage') then
      raise exception 'must be owner of %', obj.object_identity using errcode = '42501';
    end if;
  end loop;
end;
$$;

revoke all on all functions in schema local_supautils from public;

drop event trigger if exists local_supautils_ddl_start;
create event trigger local_supautils_ddl_start on ddl_command_start
  when tag in ('CREATE POLICY', 'ALTER POLICY', 'DROP POLICY', 'COMMENT', 'DROP TRIGGER')
  execute function local_supautils.on_ddl_start();
drop event trigger if exists local_supautils_ddl_end;
create event trigger local_supautils_ddl_end on ddl_command_end
  when tag in ('CREATE POLICY', 'ALTER POLICY', 'DROP POLICY', 'COMMENT', 'DROP TRIGGER')
  execute function local_supautils.on_ddl_end();
drop event trigger if exists local_supautils_sql_drop;
create event trigger local_supautils_sql_drop on sql_drop
  when tag in ('DROP POLICY', 'DROP TRIGGER')
  execute function local_supautils.on_sql_drop();

-- ================================================================================================
-- Auth MFA (TOTP) and the local runtime's Auth rate-limit buckets. A separate block on purpose:
-- the rest of this file is being reshaped independently; this block only adds what is missing.
-- ================================================================================================

-- GoTrue's MFA schema, as supabase/auth's migrations leave it (v2.189): 20221003041349_add_mfa_schema,
-- 20221003041400_add_aal_and_factor_id_to_sessions, 20221011041400_add_mfa_indexes,
-- 20230523124323_add_mfa_challenge_cleanup_index, 20230914180801_add_mfa_factors_user_id_idx,
-- 20240729123726_add_mfa_phone_config, 20240802193726_add_mfa_factors_column_last_challenged_at,
-- 20240806073726_drop_uniqueness_constraint_on_phone, 20241009103726_add_web_authn,
-- 20250925093508_add_last_webauthn_challenge_data; RLS and grants as 20240612123726.
set role supabase_auth_admin;

do $$ begin
  create type auth.factor_type as enum ('totp', 'webauthn', 'phone');
exception when duplicate_object then null;
end $$;
do $$ begin
  create type auth.factor_status as enum ('unverified', 'verified');
exception when duplicate_object then null;
end $$;
do $$ begin
  create type auth.aal_level as enum ('aal1', 'aal2', 'aal3');
exception when duplicate_object then null;
end $$;

create table if not exists auth.mfa_factors (
  id uuid not null constraint mfa_factors_pkey primary key,
  user_id uuid not null constraint mfa_factors_user_id_fkey references auth.users (id) on delete cascade,
  friendly_name text null,
  factor_type auth.factor_type not null,
  status auth.factor_status not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  secret text null,
  phone text null default null,
  last_challenged_at timestamptz null default null constraint mfa_factors_last_challenged_at_key unique,
  web_authn_credential jsonb null,
  web_authn_aaguid uuid null,
  last_webauthn_challenge_data jsonb null
);
comment on table auth.mfa_factors is 'auth: stores metadata about factors';
create unique index if not exists mfa_factors_user_friendly_name_unique
  on auth.mfa_factors (friendly_name, user_id) where trim(friendly_name) <> '';
create index if not exists factor_id_created_at_idx on auth.mfa_factors (user_id, created_at);
create index if not exists mfa_factors_user_id_idx on auth.mfa_factors (user_id);
create unique index if not exists unique_verified_phone_factor on auth.mfa_factors (user_id, phone);

create table if not exists auth.mfa_challenges (
  id uuid not null constraint mfa_challenges_pkey primary key,
  factor_id uuid not null constraint mfa_challenges_auth_factor_id_fkey
    references auth.mfa_factors (id) on delete cascade,
  created_at timestamptz not null,
  verified_at timestamptz null,
  ip_address inet not null,
  otp_code text null,
  web_authn_session_data jsonb null
);
comment on table auth.mfa_challenges is 'auth: stores metadata about challenge requests made';
create index if not exists mfa_challenge_created_at_idx on auth.mfa_challenges (created_at desc);

comment on table auth.mfa_amr_claims is
  'auth: stores authenticator method reference claims for multi factor authentication';
create index if not exists user_id_created_at_idx on auth.sessions (user_id, created_at);

-- sessions.aal is GoTrue's enum (20221003041400); earlier bootstraps made it text.
do $$ begin
  if (select atttypid from pg_attribute
       where attrelid = 'auth.sessions'::regclass and attname = 'aal') <> 'auth.aal_level'::regtype then
    alter table auth.sessions alter column aal type auth.aal_level using aal::auth.aal_level;
  end if;
end $$;

alter table auth.mfa_factors enable row level security;
alter table auth.mfa_challenges enable row level security;
alter table auth.mfa_amr_claims enable row level security;

reset role;

grant all on auth.mfa_factors, auth.mfa_challenges, auth.mfa_amr_claims to postgres, dashboard_user;
grant select on auth.mfa_factors, auth.mfa_challenges, auth.mfa_amr_claims to postgres with grant option;

-- Auth rate limits of the local runtime (docs/local-runtime.md, "Auth rate limits"). Not GoTrue's
-- (GoTrue keeps its buckets in memory); kept in Postgres so that the gateway stays stateless.
-- A private schema of the Auth role: not exposed, no grants to API roles.
create schema if not exists auth_runtime;
alter schema auth_runtime owner to supabase_auth_admin;
revoke all on schema auth_runtime from public;

set role supabase_auth_admin;

create table if not exists auth_runtime.rate_limits (
  limiter text not null,
  key text not null,
  tokens double precision not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (limiter, key)
);
comment on table auth_runtime.rate_limits is
  'Local Auth runtime: token buckets (per limiter and client address) and interval counters.';
-- No RLS: the schema is not exposed and only its owner (the Auth role) may use it.

-- The bucket of (limiter, key), created with `p_tokens` when it does not exist yet, locked until the
-- transaction ends (both limiters below start this way).
create or replace function auth_runtime.lock_bucket(
  p_limiter text, p_key text, p_tokens double precision, p_now timestamptz
) returns auth_runtime.rate_limits
language plpgsql
set search_path = ''
as $$
declare
  v_bucket auth_runtime.rate_limits;
begin
  insert into auth_runtime.rate_limits as b (limiter, key, tokens, created_at, updated_at)
  values (p_limiter, p_key, p_tokens, p_now, p_now)
  on conflict (limiter, key) do nothing;
  select b.* into v_bucket
    from auth_runtime.rate_limits b where b.limiter = p_limiter and b.key = p_key for update;
  return v_bucket;
end
$$;

-- Token bucket as tollbooth/x-time-rate keep it in GoTrue: `burst` tokens, refilled at `rate` per
-- second, one taken per allowed request; a bucket is recreated full `ttl` seconds after it was
-- created (tollbooth's expirable per-key limiter). True when the request may pass.
create or replace function auth_runtime.take_token(
  p_limiter text, p_key text, p_burst double precision, p_rate double precision, p_ttl double precision
) returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := clock_timestamp();
  v_bucket auth_runtime.rate_limits := auth_runtime.lock_bucket(p_limiter, p_key, p_burst, v_now);
  v_tokens double precision;
  v_created timestamptz := v_bucket.created_at;
begin
  if v_now > v_created + make_interval(secs => p_ttl) then
    v_tokens := p_burst;
    v_created := v_now;
  else
    v_tokens := least(p_burst, v_bucket.tokens + greatest(0, extract(epoch from v_now - v_bucket.updated_at)) * p_rate);
  end if;
  update auth_runtime.rate_limits b
     set tokens = case when v_tokens >= 1 then v_tokens - 1 else v_tokens end,
         created_at = v_created, updated_at = v_now
   where b.limiter = p_limiter and b.key = p_key;
  return v_tokens >= 1;
end
$$;

-- Interval counter as GoTrue's ratelimit.IntervalLimiter (the e-mail limit): `events` per
-- `interval` seconds, the count reset at each interval boundary since the first event.
create or replace function auth_runtime.count_event(
  p_limiter text, p_key text, p_events double precision, p_interval double precision
) returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := clock_timestamp();
  v_bucket auth_runtime.rate_limits := auth_runtime.lock_bucket(p_limiter, p_key, 0, v_now);
  v_count double precision := v_bucket.tokens;
  v_start timestamptz := v_bucket.created_at;
  v_periods bigint;
begin
  v_periods := floor(extract(epoch from v_now - v_start) / p_interval);
  if v_periods > 0 then
    v_start := v_start + make_interval(secs => v_periods * p_interval);
    v_count := 0;
  end if;
  if v_count < p_events then
    v_count := v_count + 1;
    update auth_runtime.rate_limits b set tokens = v_count, created_at = v_start, updated_at = v_now
     where b.limiter = p_limiter and b.key = p_key;
    return true;
  end if;
  update auth_runtime.rate_limits b set created_at = v_start, updated_at = v_now
   where b.limiter = p_limiter and b.key = p_key;
  return false;
end
$$;
revoke all on function auth_runtime.lock_bucket(text, text, double precision, timestamptz) from public;
revoke all on function auth_runtime.take_token(text, text, double precision, double precision, double precision) from public;
revoke all on function auth_runtime.count_event(text, text, double precision, double precision) from public;

reset role;

-- The project's operator role may look at the buckets and reset one (as restarting GoTrue would).
grant usage on schema auth_runtime to postgres;
grant select, delete on auth_runtime.rate_limits to postgres;
