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

create function private.count_lab_orders(statuses public.lab_order_status[] default '{ordered,collected}')
returns bigint
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_org uuid := private.current_read_org_id_for(private.lab_reader_roles());
  v_count bigint;
begin
  if v_org is null or statuses is null then
    return 0;
  end if;
  select count(*)
    into v_count
    from public.lab_orders l
   where l.organization_id = v_org
     and l.status = any (statuses);
  return v_count;
end;
$$;
comment on function private.count_lab_orders(public.lab_order_status[]) is
  'Body of public.count_lab_orders: applies the lab_orders SELECT scope itself so the status is an index condition (enum_eq is not leakproof, so it cannot be one through RLS).';
select private.grant_execute('{authenticated}', 'private.count_lab_orders(public.lab_order_status[])');

create function private.open_lab_orders(lim integer default 10)
returns setof public.lab_orders
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_org uuid := private.current_read_org_id_for(private.lab_reader_roles());
  v_lim integer := least(greatest(coalesce(lim, 10), 1), 200);
begin
  if v_org is null then
    return;
  end if;
  return query
    select o.*
      from (
        (select l.* from public.lab_orders l
          where l.organization_id = v_org and l.status = 'ordered'
          order by l.created_at, l.id limit v_lim)
        union all
        (select l.* from public.lab_orders l
          where l.organization_id = v_org and l.status = 'collected'
          order by l.created_at, l.id limit v_lim)
      ) o
     order by o.created_at, o.id
     limit v_lim;
end;
$$;
comment on function private.open_lab_orders(integer) is
  'Body of public.open_lab_orders: the two open statuses as ordered index ranges under the lab_orders SELECT scope, merged.';
select private.grant_execute('{authenticated}', 'private.open_lab_orders(integer)');

select private.add_rpc('private.count_lab_orders(public.lab_order_status[])',
  'RPC for the dashboard: number of lab orders of the caller''s clinic with one of the statuses (default ordered + collected, i.e. open). Same rows as RLS lets the caller read (lab_reader_roles() of the active clinic, or a live support grant); 0 for anyone else. Index range on (organization_id, status), unlike a status filter through RLS.');

select private.add_rpc('private.open_lab_orders(integer)',
  'RPC for the dashboard: the caller''s clinic''s open lab orders (ordered or collected), oldest first, at most lim (1..200). Same rows as RLS lets the caller read (lab_reader_roles() of the active clinic, or a live support grant); none for anyone else. Index ranges on (organization_id, status, created_at), unlike a status filter through RLS.');


create function private.count_prescriptions(statuses public.prescription_status[] default '{active}')
returns bigint
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_org uuid := private.current_read_org_id_for(private.prescription_reader_roles());
  v_count bigint;
begin
  if v_org is null or statuses is null then
    return 0;
  end if;
  select count(*)
    into v_count
    from public.prescriptions p
   where p.organization_id = v_org
     and p.status = any (statuses);
  return v_count;
end;
$$;
comment on function private.count_prescriptions(public.prescription_status[]) is
  'Body of public.count_prescriptions: applies the prescriptions SELECT scope itself so the status is an index condition (enum_eq is not leakproof, so it cannot be one through RLS).';
select private.grant_execute('{authenticated}', 'private.count_prescriptions(public.prescription_status[])');

create function private.active_prescriptions(lim integer default 10)
returns setof public.prescriptions
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_org uuid := private.current_read_org_id_for(private.prescription_reader_roles());
  v_lim integer := least(greatest(coalesce(lim, 10), 1), 200);
begin
  if v_org is null then
    return;
  end if;
  return query
    select p.*
      from public.prescriptions p
     where p.organization_id = v_org
       and p.status = 'active'
     order by p.created_at, p.id
     limit v_lim;
end;
$$;
comment on function private.active_prescriptions(integer) is
  'Body of public.active_prescriptions: the active status as an ordered index range under the prescriptions SELECT scope, stopped at lim.';
select private.grant_execute('{authenticated}', 'private.active_prescriptions(integer)');

select private.add_rpc('private.count_prescriptions(public.prescription_status[])',
  'RPC for the dashboard: the number of the caller''s clinic''s prescriptions in statuses (default active). Same rows as RLS lets the caller read (prescription_reader_roles() of the active clinic, or a live support grant); 0 for anyone else.');

select private.add_rpc('private.active_prescriptions(integer)',
  'RPC for the dashboard: the caller''s clinic''s active prescriptions, oldest first, at most lim (1..200). Same rows as RLS lets the caller read (prescription_reader_roles() of the active clinic, or a live support grant); none for anyone else. An index range on (organization_id, status, created_at), unlike a status filter through RLS.');

