-- The dashboard's lab-order RPCs read with the same scope as the lab_orders SELECT policy (issue 9,
-- docs/benchmark.md "Q4b").
--
-- 1. count_lab_orders (20261124900000) now uses private.current_read_org_id_for, as
--    lab_orders_select_clinical does since 20261124960000 (support access): a member reads as a
--    member (admin, doctor, nurse, lab technician of the active clinic), a platform admin with a
--    live support grant reads the granted clinic, everyone else gets 0. Same rows as RLS.
-- 2. open_lab_orders(lim), new: the dashboard's "oldest open lab orders" list.
--    `.from('lab_orders').in('status', ['ordered','collected']).order('created_at').limit(n)` through
--    RLS cannot use the status (enum_eq is not leakproof): it reads every lab order of the clinic and
--    sorts (41 ms on the large clinic of size M). open_lab_orders reads each open status as an
--    ordered range of lab_orders_organization_id_status_created_at_idx that stops after lim rows,
--    then merges the two. It returns lab_orders rows, so PostgREST can embed the patient
--    (`rpc('open_lab_orders', { lim }).select('…, patients(…)')`), which RLS then scopes as usual.
-- The role list and helper must stay those of lab_orders_select_clinical (pgTAP 90-dashboard-counts).

create or replace function public.count_lab_orders(
  statuses public.lab_order_status[] default '{ordered,collected}'
)
returns bigint
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_org uuid := private.current_read_org_id_for('{admin,doctor,nurse,lab_technician}');
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

create or replace function public.open_lab_orders(lim integer default 10)
returns setof public.lab_orders
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_org uuid := private.current_read_org_id_for('{admin,doctor,nurse,lab_technician}');
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
comment on function public.open_lab_orders(integer) is
  'RPC for the dashboard: the caller''s clinic''s open lab orders (ordered or collected), oldest first, at most lim (1..200). Same rows as RLS lets the caller read (admin, doctor, nurse, lab technician of the active clinic, or a live support grant); none for anyone else. Index ranges on (organization_id, status, created_at), unlike a status filter through RLS.';
revoke execute on function public.open_lab_orders(integer) from public, anon;
grant execute on function public.open_lab_orders(integer) to authenticated;
