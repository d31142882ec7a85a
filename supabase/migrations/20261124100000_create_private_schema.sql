-- The `private` schema: helpers, trigger functions and internal tables that the Data API must never
-- expose (config.toml exposes only public and graphql_public). Also the project-wide function
-- privilege default and the shared trigger functions every table uses (timestamps, frozen columns).

create schema if not exists private;
comment on schema private is
  'Not exposed through the Data API: RLS helpers, trigger functions, security definer internals.';

revoke all on schema private from public;
-- Policies run their helper functions as the caller, so the API roles need to reach the schema;
-- they can only execute what is granted function by function below and in later migrations.
grant usage on schema private to anon, authenticated, service_role;

-- Functions in public and private are not executable by the API roles by default (undoing the
-- platform's default grant in public); each migration grants what each role needs and revokes
-- PUBLIC's built-in execute function by function. (A global revoke from PUBLIC would also strip
-- execute from functions of extensions created later, such as pg_trgm or pgTAP.)
alter default privileges for role postgres in schema public revoke execute on functions from anon, authenticated;
alter default privileges for role postgres in schema private revoke execute on functions from anon, authenticated;

-- Shared trigger for every table: `before insert or update ... for each row`. created_at is set
-- once on insert and can never be rewritten; updated_at follows every update.
create function private.set_timestamps()
returns trigger
language plpgsql set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    new.created_at := now();
  else
    new.created_at := old.created_at;
  end if;
  new.updated_at := now();
  return new;
end;
$$;

comment on function private.set_timestamps() is
  'Trigger (before insert or update): created_at fixed at insert, updated_at = now() on every write.';

revoke execute on function private.set_timestamps() from public, anon, authenticated;

-- Generic guard, reusable by any table: the listed columns keep their value on update.
-- Usage: before update ... execute function private.forbid_column_changes('organization_id', ...)
create function private.forbid_column_changes()
returns trigger
language plpgsql set search_path = ''
as $$
declare
  v_column text;
  v_old jsonb := to_jsonb(old);
  v_new jsonb := to_jsonb(new);
begin
  foreach v_column in array tg_argv loop
    if v_old -> v_column is distinct from v_new -> v_column then
      raise exception '%.% cannot be changed', tg_table_name, v_column
        using errcode = '42501',
              hint = 'Delete the row and create a new one instead.';
    end if;
  end loop;
  return new;
end;
$$;
comment on function private.forbid_column_changes() is
  'Trigger (before update): refuses any change to the columns named in the trigger arguments.';
revoke execute on function private.forbid_column_changes() from public, anon, authenticated;

-- Authorization before validation. BEFORE ROW triggers run before row-level security's WITH CHECK,
-- so a trigger that validates, counts or books something would answer a caller the table's policy
-- refuses: another clinic's custom fields, staff e-mails, seat use or patient count would leak
-- through its error, and its bookkeeping (counters, locks) would be touched for a clinic the caller
-- may not write to. Every table whose BEFORE INSERT triggers do more than timestamps therefore fires
-- this one FIRST (named `<table>_00_authorize`; triggers fire in name order, and "00" sorts before
-- every other name): for the API roles it evaluates the table's own INSERT policies on the new row
-- (permissive ones OR-ed, restrictive ones AND-ed, exactly as RLS combines them) and refuses with
-- RLS's own error, so an outsider's answer for a real clinic equals the answer for one that does
-- not exist. The service role and definer code (which run as other roles and check their callers
-- themselves) pass; RLS still checks the final row as usual. supabase/tests/database/
-- 00_schema_security.test.sql fails when a table needs this trigger and lacks it.
create function private.authorize_row_write()
returns trigger
language plpgsql set search_path = ''
as $$
declare
  v_permissive text;
  v_restrictive text;
  v_allowed boolean := false;
begin
  if current_user not in ('anon', 'authenticated') then
    return new;
  end if;
  select string_agg('(' || coalesce(p.with_check, p.qual) || ')', ' or ')
           filter (where p.permissive = 'PERMISSIVE'),
         string_agg('(' || coalesce(p.with_check, p.qual) || ')', ' and ')
           filter (where p.permissive = 'RESTRICTIVE')
    into v_permissive, v_restrictive
    from pg_catalog.pg_policies p
   where p.schemaname = tg_table_schema
     and p.tablename = tg_table_name
     and p.cmd in (tg_op, 'ALL')
     and p.roles && array['public', current_user]::name[];
  if v_permissive is not null then
    execute format(
      'select exists (select from (select ($1).*) as %I where (%s) and (%s))',
      tg_table_name, v_permissive, coalesce(v_restrictive, 'true')
    ) into v_allowed using new;
  end if;
  if not coalesce(v_allowed, false) then
    raise exception 'new row violates row-level security policy for table "%"', tg_table_name
      using errcode = '42501';
  end if;
  return new;
end;
$$;
comment on function private.authorize_row_write() is
  'Trigger (first BEFORE INSERT trigger, <table>_00_authorize): for anon/authenticated, the table''s own INSERT policies on the new row; refuses exactly like RLS before any validation or bookkeeping runs.';
revoke execute on function private.authorize_row_write() from public, anon, authenticated;

-- Who did it: on insert through the API (anon, authenticated), the columns named in the trigger
-- arguments are set to the caller (auth.uid()), whatever the client sent. Definer code, the service
-- role and maintenance (seed) keep what they write.
create function private.set_caller_columns()
returns trigger
language plpgsql set search_path = ''
as $$
begin
  if current_user in ('anon', 'authenticated') then
    new := jsonb_populate_record(new, (select jsonb_object_agg(c, auth.uid()) from unnest(tg_argv) c));
  end if;
  return new;
end;
$$;
comment on function private.set_caller_columns() is
  'Trigger (before insert, <table>_by_caller): for API callers, the columns named in the arguments = auth.uid().';
revoke execute on function private.set_caller_columns() from public, anon, authenticated;

-- The standard row triggers of a table, named and ordered the same way everywhere. Migrations call
-- it right after creating a table (and after the trigger functions it names exist):
--   <table>_00_authorize      before insert             authorize_row_write()  (authorize => true)
--   <table>_by_caller         before insert             set_caller_columns(caller)
--   <table>_set_timestamps    before insert or update   set_timestamps()       (always)
--   <table>_forbid_moves      before update             forbid_column_changes(frozen)
--   <table>_staff_members     before <staff_on>         ensure_staff_members(staff)  (clinical records)
--   <table>_audit             after insert/update/delete  audit_row_change(audit)  (add_audit_trigger)
-- staff_on is 'insert or update', or 'insert' for append-only history. A table's own guards stay
-- with the table's migration.
create function private.add_row_triggers(
  p_table regclass,
  authorize boolean default false,
  frozen text[] default null,
  staff text[] default null,
  staff_on text default 'insert or update',
  audit text[] default null,
  caller text[] default null
)
returns void
language plpgsql set search_path = ''
as $$
declare
  v_name text;
  v_args constant text := 'select string_agg(quote_literal(a), '', '') from unnest($1) a';
  v_list text;
begin
  select c.relname into strict v_name from pg_catalog.pg_class c where c.oid = p_table;
  if authorize then
    execute format('create trigger %I before insert on %s for each row execute function private.authorize_row_write()',
                   v_name || '_00_authorize', p_table);
  end if;
  if caller is not null then
    execute v_args into v_list using caller;
    execute format('create trigger %I before insert on %s for each row execute function private.set_caller_columns(%s)',
                   v_name || '_by_caller', p_table, v_list);
  end if;
  execute format('create trigger %I before insert or update on %s for each row execute function private.set_timestamps()',
                 v_name || '_set_timestamps', p_table);
  if frozen is not null then
    execute v_args into v_list using frozen;
    execute format('create trigger %I before update on %s for each row execute function private.forbid_column_changes(%s)',
                   v_name || '_forbid_moves', p_table, v_list);
  end if;
  if staff is not null then
    if staff_on not in ('insert', 'insert or update') then
      raise exception 'add_row_triggers: staff_on is insert or insert or update, not %', staff_on;
    end if;
    execute v_args into v_list using staff;
    execute format('create trigger %I before %s on %s for each row execute function private.ensure_staff_members(%s)',
                   v_name || '_staff_members', staff_on, p_table, v_list);
  end if;
  if audit is not null then
    perform private.add_audit_trigger(p_table, variadic audit);
  end if;
end;
$$;
comment on function private.add_row_triggers(regclass, boolean, text[], text[], text, text[], text[]) is
  'Migrations only: creates a table''s standard row triggers (<table>_00_authorize, _by_caller, _set_timestamps, _forbid_moves, _staff_members, _audit) as the arguments ask.';
revoke execute on function private.add_row_triggers(regclass, boolean, text[], text[], text, text[], text[]) from public, anon, authenticated, service_role;

-- <table>_audit: after insert, update or delete, private.audit_row_change(arguments) (20261124200300)
-- writes the change to the clinic's audit trail.
create function private.add_audit_trigger(p_table regclass, variadic p_arguments text[] default '{}')
returns void
language plpgsql set search_path = ''
as $$
begin
  execute format(
    'create trigger %I after insert or update or delete on %s for each row execute function private.audit_row_change(%s)',
    (select c.relname from pg_catalog.pg_class c where c.oid = p_table) || '_audit', p_table,
    (select coalesce(string_agg(quote_literal(a), ', '), '') from unnest(p_arguments) a));
end;
$$;
comment on function private.add_audit_trigger(regclass, text[]) is
  'Migrations only: creates <table>_audit (after insert, update or delete: private.audit_row_change(arguments)).';
revoke execute on function private.add_audit_trigger(regclass, text[]) from public, anon, authenticated, service_role;

-- Who may execute functions: exactly the grantees. PUBLIC's built-in execute and any earlier grant to
-- anon or authenticated are revoked first, then execute is granted to the grantees (anon only when
-- named). Each migration states a function's callers once, in one call after its functions:
--   select private.grant_execute('{authenticated}', 'private.x(uuid)', 'public.y(text)');
create function private.grant_execute(p_grantees text[], variadic p_functions regprocedure[])
returns void
language plpgsql set search_path = ''
as $$
declare
  v_function regprocedure;
begin
  foreach v_function in array p_functions loop
    execute format('revoke execute on function %s from public, anon, authenticated', v_function);
    execute format('grant execute on function %s to %s', v_function,
                   (select string_agg(quote_ident(g), ', ') from unnest(p_grantees) g));
  end loop;
end;
$$;
comment on function private.grant_execute(text[], regprocedure[]) is
  'Migrations only: execute on the functions for the grantees only (PUBLIC, anon and authenticated revoked first).';
revoke execute on function private.grant_execute(text[], regprocedure[]) from public, anon, authenticated, service_role;

-- The RPC of a private body. Functions the Data API calls are written once, as their body in private
-- (usually security definer: it checks who may call it first); the public function with the API's
-- name is only its security invoker door, and this writes it from the body's signature so the two
-- never drift: public.<name>(<the body's arguments without their p_ prefix, defaults included>)
-- returns what the body returns, with its volatility, `select [* from] private.<name>(...)`, a
-- pinned search_path, the comment given, and execute for the grantees only (anon never by default).
-- A public function that does more than call its body is written out in full.
create function private.add_rpc(p_body regprocedure, p_comment text, p_grantees text[] default '{authenticated}')
returns void
language plpgsql set search_path = ''
as $$
declare
  v_proc pg_catalog.pg_proc;
  v_rpc text;
  v_call text;
begin
  select * into strict v_proc from pg_catalog.pg_proc p where p.oid = p_body;
  if v_proc.pronamespace <> 'private'::regnamespace then
    raise exception 'add_rpc: % is not a function in private', p_body;
  end if;
  -- the body's input arguments by name (a TABLE result's columns are arguments of mode t)
  select string_agg(regexp_replace(a.name, '^p_', ''), ', ' order by a.n) into v_call
    from unnest(v_proc.proargnames) with ordinality as a (name, n)
   where coalesce(v_proc.proargmodes[a.n], 'i') in ('i', 'b', 'v');
  v_rpc := format('public.%I', v_proc.proname);
  execute format(
    E'create function %s(%s)\nreturns %s\nlanguage sql\n%s\nsecurity invoker\nset search_path = %L\nas $rpc$\n  select %sprivate.%I(%s);\n$rpc$',
    v_rpc, regexp_replace(pg_catalog.pg_get_function_arguments(p_body), '(^|, )p_', '\1', 'g'),
    pg_catalog.pg_get_function_result(p_body),
    case v_proc.provolatile when 'i' then 'immutable' when 's' then 'stable' else 'volatile' end, '',
    case when v_proc.proretset then '* from ' else '' end, v_proc.proname, coalesce(v_call, ''));
  v_rpc := format('%s(%s)', v_rpc, pg_catalog.oidvectortypes(v_proc.proargtypes));
  execute format('comment on function %s is %L', v_rpc, p_comment);
  perform private.grant_execute(p_grantees, v_rpc::regprocedure);
end;
$$;
comment on function private.add_rpc(regprocedure, text, text[]) is
  'Migrations only: creates public.<name>, the security invoker RPC of the body private.<name> (same arguments without p_, same result and volatility), with its comment and execute for the grantees.';
revoke execute on function private.add_rpc(regprocedure, text, text[]) from public, anon, authenticated, service_role;

-- A table's own trigger, attached to its trigger function: `create trigger <name> <timing and events>
-- on <table> for each row|statement [when (<condition>)] execute function <function>(<arguments>)`,
-- and the function closed to the API roles (nobody calls a trigger function directly; pgTAP 00 checks
-- it). Migrations write each guard as its function, its comment, then one call:
--   select private.add_trigger('visits_guard', 'before insert or update', 'public.visits', 'private.guard_visit()');
create function private.add_trigger(
  p_name text,
  p_timing text,
  p_table regclass,
  p_function regprocedure,
  for_each text default 'row',
  condition text default null,
  arguments text[] default '{}'
)
returns void
language plpgsql set search_path = ''
as $$
begin
  if for_each not in ('row', 'statement') then
    raise exception 'add_trigger: for_each is row or statement, not %', for_each;
  end if;
  execute format('create trigger %I %s on %s for each %s%s execute function %s(%s)',
                 p_name, p_timing, p_table, for_each, coalesce(' when (' || condition || ')', ''),
                 p_function::regproc,
                 (select coalesce(string_agg(quote_literal(a), ', '), '') from unnest(arguments) a));
  execute format('revoke execute on function %s from public, anon, authenticated', p_function);
end;
$$;
comment on function private.add_trigger(text, text, regclass, regprocedure, text, text, text[]) is
  'Migrations only: creates the trigger <name> (<timing and events> on the table, for each row or statement, optional when condition and arguments) and closes its function to PUBLIC, anon and authenticated.';
revoke execute on function private.add_trigger(text, text, regclass, regprocedure, text, text, text[]) from public, anon, authenticated, service_role;
