-- Dashboard RPCs: counts and lists filtered by status that stay index ranges under RLS (issue 9,
-- docs/benchmark.md "Q4b", "Q4d").
--
-- A status filter through the Data API (`.eq('status', …)` on lab_orders or prescriptions) is slow
-- for big clinics: enum_eq is not leakproof, so under RLS the status may not run before the policy's
-- `organization_id = $0` and cannot be an index condition: the scan reads every row of the clinic's
-- history and filters per row (only a superuser could mark enum_eq leakproof). These RPCs apply the
-- SELECT policy's scope themselves (the same helper and role set as lab_orders_select_lab_reader /
-- prescriptions_select_prescription_reader: a member with one of the roles reads the active clinic, a platform
-- admin with a live support grant the granted clinic, everyone else nothing) and then the status,
-- both as index conditions on (organization_id, status, created_at). They return exactly the rows
-- RLS would let the caller read (pgTAP 90 and 98 compare them per role).
-- * count_lab_orders(statuses default '{ordered,collected}'), open_lab_orders(lim default 10);
-- * count_prescriptions(statuses default '{active}'), active_prescriptions(lim default 10).
-- The lists return table rows, so PostgREST can embed the patient
-- (`rpc('open_lab_orders', { lim }).select('…, patients(…)')`), which RLS then scopes as usual.
-- Definer bodies in private, security invoker wrappers with the public names in public (schema rule,
-- pgTAP 00).

-- The two shapes every one of them has, written once: a count of one clinic's rows in some statuses,
-- and the oldest rows in some statuses (one ordered index range per status, merged, stopped at lim).
-- The callers pass the clinic their SELECT scope admits (null: nobody, so 0 or no rows). Run by the
-- definer bodies only (as their owner); nobody else executes them.
create function private.count_in_statuses(p_table regclass, p_org uuid, p_statuses anyarray)
returns bigint
language plpgsql stable set search_path = ''
as $$
declare
  v_count bigint;
begin
  if p_org is null or p_statuses is null then
    return 0;
  end if;
  -- one index range per distinct status (as in oldest_in_statuses): the status stays an index
  -- condition whatever the values, never only a partial index's predicate
  execute format(
    'select coalesce(sum(c.n), 0) from (select distinct unnest($2) as status) s cross join lateral ('
    ' select count(*) as n from %s t where t.organization_id = $1 and t.status = s.status) c', p_table)
     into v_count
    using p_org, p_statuses;
  return v_count;
end;
$$;
comment on function private.count_in_statuses(regclass, uuid, anyarray) is
  'Body of the dashboard counts: the number of rows of a clinic table with organization_id = p_org and status in p_statuses (0 when either is null), as one index range on (organization_id, status) per status.';
revoke execute on function private.count_in_statuses(regclass, uuid, anyarray) from public, anon, authenticated, service_role;

create function private.oldest_in_statuses(p_row anyelement, p_org uuid, p_statuses anycompatiblearray, p_lim integer)
returns setof anyelement
language plpgsql stable set search_path = ''
as $$
begin
  if p_org is null then
    return;
  end if;
  return query execute format(
    'select o.* from unnest($2) as s (status) cross join lateral ('
    ' select t.* from %s t where t.organization_id = $1 and t.status = s.status'
    ' order by t.created_at, t.id limit $3) o'
    ' order by o.created_at, o.id limit $3', pg_typeof(p_row))
    using p_org, p_statuses, least(greatest(coalesce(p_lim, 10), 1), 200);
end;
$$;
comment on function private.oldest_in_statuses(anyelement, uuid, anycompatiblearray, integer) is
  'Body of the dashboard lists: the oldest rows (created_at, id) of the table of p_row''s type with organization_id = p_org and status in p_statuses, at most p_lim (null 10, 1..200): one ordered index range per status, merged.';
revoke execute on function private.oldest_in_statuses(anyelement, uuid, anycompatiblearray, integer) from public, anon, authenticated, service_role;

-- A clinic table's pair of dashboard RPCs, written from one definition: the count
-- public.<count_name>(statuses <the table's status type>[] default count_default) and the list
-- public.<list_name>(lim integer default 10) of the oldest rows in list_statuses. Their bodies in
-- private are security definer and apply the table's SELECT scope themselves, the same helper and
-- role set as its policy (current_read_org_id_for(private.<reader_set>_roles())); the public doors
-- are add_rpc's, with the comments given.
create function private.add_status_rpcs(
  p_table regclass,
  p_reader_set text,
  count_name text,
  count_default text,
  count_comment text,
  list_name text,
  list_statuses text,
  list_comment text
)
returns void
language plpgsql set search_path = ''
as $$
declare
  v_status regtype := (select a.atttypid::regtype from pg_catalog.pg_attribute a
                        where a.attrelid = p_table and a.attname = 'status' and not a.attisdropped);
  v_scope text := format('private.current_read_org_id_for(private.%I())', p_reader_set || '_roles');
  v_row regtype := (select c.reltype::regtype from pg_catalog.pg_class c where c.oid = p_table);
  v_count regprocedure;
  v_list regprocedure;
begin
  execute format(
    E'create function private.%I(statuses %s[] default %L)\nreturns bigint\nlanguage sql stable security definer set search_path = %L\nas $body$\n  select private.count_in_statuses(%L, %s, statuses);\n$body$',
    count_name, v_status, count_default, '', p_table, v_scope);
  v_count := format('private.%I(%s[])', count_name, v_status)::regprocedure;
  execute format('comment on function %s is %L', v_count, format(
    'Body of public.%s: applies the %s SELECT scope itself so the status is an index condition (enum_eq is not leakproof, so it cannot be one through RLS).',
    count_name, p_table));
  execute format(
    E'create function private.%I(lim integer default 10)\nreturns setof %s\nlanguage sql stable security definer set search_path = %L\nas $body$\n  select * from private.oldest_in_statuses(null::%s, %s, %L::%s[], lim);\n$body$',
    list_name, v_row, '', v_row, v_scope, list_statuses, v_status);
  v_list := format('private.%I(integer)', list_name)::regprocedure;
  execute format('comment on function %s is %L', v_list, format(
    'Body of public.%s: the statuses %s as ordered index ranges under the %s SELECT scope, merged, stopped at lim.',
    list_name, list_statuses, p_table));
  perform private.grant_execute('{authenticated}', v_count, v_list);
  perform private.add_rpc(v_count, count_comment);
  perform private.add_rpc(v_list, list_comment);
end;
$$;
comment on function private.add_status_rpcs(regclass, text, text, text, text, text, text, text) is
  'Migrations only: creates the dashboard count and list RPCs of a clinic table with a status (definer bodies in private scoped like the table''s SELECT policy, invoker doors in public).';
revoke execute on function private.add_status_rpcs(regclass, text, text, text, text, text, text, text) from public, anon, authenticated, service_role;

select private.add_status_rpcs('public.lab_orders', 'lab_reader',
  count_name => 'count_lab_orders', count_default => '{ordered,collected}',
  count_comment => 'RPC for the dashboard: number of lab orders of the caller''s clinic with one of the statuses (default ordered + collected, i.e. open). Same rows as RLS lets the caller read (lab_reader_roles() of the active clinic, or a live support grant); 0 for anyone else. Index range on (organization_id, status), unlike a status filter through RLS.',
  list_name => 'open_lab_orders', list_statuses => '{ordered,collected}',
  list_comment => 'RPC for the dashboard: the caller''s clinic''s open lab orders (ordered or collected), oldest first, at most lim (1..200). Same rows as RLS lets the caller read (lab_reader_roles() of the active clinic, or a live support grant); none for anyone else. Index ranges on (organization_id, status, created_at), unlike a status filter through RLS.');

select private.add_status_rpcs('public.prescriptions', 'prescription_reader',
  count_name => 'count_prescriptions', count_default => '{active}',
  count_comment => 'RPC for the dashboard: the number of the caller''s clinic''s prescriptions in statuses (default active). Same rows as RLS lets the caller read (prescription_reader_roles() of the active clinic, or a live support grant); 0 for anyone else.',
  list_name => 'active_prescriptions', list_statuses => '{active}',
  list_comment => 'RPC for the dashboard: the caller''s clinic''s active prescriptions, oldest first, at most lim (1..200). Same rows as RLS lets the caller read (prescription_reader_roles() of the active clinic, or a live support grant); none for anyone else. An index range on (organization_id, status, created_at), unlike a status filter through RLS.');
