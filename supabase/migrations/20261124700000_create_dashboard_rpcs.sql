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

create function private.count_lab_orders(statuses public.lab_order_status[] default '{ordered,collected}')
returns bigint
language sql stable security definer set search_path = ''
as $$
  select private.count_in_statuses('public.lab_orders',
           private.current_read_org_id_for(private.lab_reader_roles()), statuses);
$$;
comment on function private.count_lab_orders(public.lab_order_status[]) is
  'Body of public.count_lab_orders: applies the lab_orders SELECT scope itself so the status is an index condition (enum_eq is not leakproof, so it cannot be one through RLS).';

create function private.open_lab_orders(lim integer default 10)
returns setof public.lab_orders
language sql stable security definer set search_path = ''
as $$
  select * from private.oldest_in_statuses(null::public.lab_orders,
           private.current_read_org_id_for(private.lab_reader_roles()),
           '{ordered,collected}'::public.lab_order_status[], lim);
$$;
comment on function private.open_lab_orders(integer) is
  'Body of public.open_lab_orders: the two open statuses as ordered index ranges under the lab_orders SELECT scope, merged.';

create function private.count_prescriptions(statuses public.prescription_status[] default '{active}')
returns bigint
language sql stable security definer set search_path = ''
as $$
  select private.count_in_statuses('public.prescriptions',
           private.current_read_org_id_for(private.prescription_reader_roles()), statuses);
$$;
comment on function private.count_prescriptions(public.prescription_status[]) is
  'Body of public.count_prescriptions: applies the prescriptions SELECT scope itself so the status is an index condition (enum_eq is not leakproof, so it cannot be one through RLS).';

create function private.active_prescriptions(lim integer default 10)
returns setof public.prescriptions
language sql stable security definer set search_path = ''
as $$
  select * from private.oldest_in_statuses(null::public.prescriptions,
           private.current_read_org_id_for(private.prescription_reader_roles()),
           '{active}'::public.prescription_status[], lim);
$$;
comment on function private.active_prescriptions(integer) is
  'Body of public.active_prescriptions: the active status as an ordered index range under the prescriptions SELECT scope, stopped at lim.';

select private.grant_execute('{authenticated}',
  'private.count_lab_orders(public.lab_order_status[])', 'private.open_lab_orders(integer)',
  'private.count_prescriptions(public.prescription_status[])', 'private.active_prescriptions(integer)');

select private.add_rpc('private.count_lab_orders(public.lab_order_status[])',
  'RPC for the dashboard: number of lab orders of the caller''s clinic with one of the statuses (default ordered + collected, i.e. open). Same rows as RLS lets the caller read (lab_reader_roles() of the active clinic, or a live support grant); 0 for anyone else. Index range on (organization_id, status), unlike a status filter through RLS.');

select private.add_rpc('private.open_lab_orders(integer)',
  'RPC for the dashboard: the caller''s clinic''s open lab orders (ordered or collected), oldest first, at most lim (1..200). Same rows as RLS lets the caller read (lab_reader_roles() of the active clinic, or a live support grant); none for anyone else. Index ranges on (organization_id, status, created_at), unlike a status filter through RLS.');

select private.add_rpc('private.count_prescriptions(public.prescription_status[])',
  'RPC for the dashboard: the number of the caller''s clinic''s prescriptions in statuses (default active). Same rows as RLS lets the caller read (prescription_reader_roles() of the active clinic, or a live support grant); 0 for anyone else.');

select private.add_rpc('private.active_prescriptions(integer)',
  'RPC for the dashboard: the caller''s clinic''s active prescriptions, oldest first, at most lim (1..200). Same rows as RLS lets the caller read (prescription_reader_roles() of the active clinic, or a live support grant); none for anyone else. An index range on (organization_id, status, created_at), unlike a status filter through RLS.');
