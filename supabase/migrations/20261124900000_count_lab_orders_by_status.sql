-- Dashboard count of lab orders by status that stays an index range under RLS (issue 9,
-- docs/benchmark.md "Q4b").
--
-- `select count(*) from lab_orders where status = 'ordered'` through the Data API is slow for big
-- clinics: `enum_eq` is not leakproof, so with RLS the status test may not run before the policy's
-- `organization_id = $0` and cannot be an index condition. The scan reads every lab order of the
-- clinic (all of its history) and filters the status per row: 4 × the owner's cost on the large
-- clinic of size M, growing with the clinic. Only a superuser can mark enum_eq leakproof.
--
-- count_lab_orders applies the same scope as the policy lab_orders_select_clinical itself
-- (`organization_id = private.current_org_id_for('{admin,doctor,nurse,lab_technician}')`, the
-- caller's live active membership with one of those roles in the active organization of the JWT) and
-- then the status, both as Index Cond on lab_orders_organization_id_status_created_at_idx. It runs
-- as the owner (security definer: RLS is not applied a second time), returns only a number, and
-- returns 0 when the caller may not read lab orders (receptionist, pharmacist, no or stale membership,
-- another clinic in the claim): exactly the count the caller would get through RLS.
-- The role list must stay equal to lab_orders_select_clinical's (pgTAP 90-dashboard-counts).

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
  v_org uuid := private.current_org_id_for('{admin,doctor,nurse,lab_technician}');
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
comment on function public.count_lab_orders(public.lab_order_status[]) is
  'RPC for the dashboard: number of lab orders of the caller''s clinic with one of the statuses (default ordered + collected, i.e. open). Same rows as RLS lets the caller read (admin, doctor, nurse, lab technician of the active clinic); 0 for other roles. Index range on (organization_id, status), unlike a status filter through RLS.';
revoke execute on function public.count_lab_orders(public.lab_order_status[]) from public, anon;
grant execute on function public.count_lab_orders(public.lab_order_status[]) to authenticated;
