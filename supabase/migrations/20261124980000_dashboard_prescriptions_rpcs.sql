-- The dashboard's prescription RPCs (issue 9 follow-up, docs/benchmark.md "Q4d"): the same design
-- as the lab-order ones (20261124900000, 20261124970000, 20261124970100).
--
-- The dashboard's "active prescriptions" list and count filtered `status = 'active'` through RLS.
-- enum_eq is not leakproof, so under RLS the status cannot be an index condition: the scan reads
-- every prescription of the clinic (its whole history) and filters. These RPCs apply the scope of
-- prescriptions_select_clinical themselves, private.current_read_org_id_for('{admin,doctor,nurse,
-- pharmacist}') (a member of one of those roles reads the active clinic, a platform admin with a
-- live support grant the granted clinic, everyone else nothing), so (organization_id, status) is
-- one range of prescriptions_organization_id_status_created_at_idx.
-- * count_prescriptions(statuses default '{active}'): the count.
-- * active_prescriptions(lim default 10): the oldest active prescriptions, at most lim (1..200),
--   as prescriptions rows, so PostgREST can embed the patient
--   (`rpc('active_prescriptions', { lim }).select('…, patients(…)')`), which RLS scopes as usual.
-- Definer bodies in private, security invoker wrappers in public (schema rule, pgTAP 00). The role
-- list must stay the policy's (pgTAP 98-dashboard-prescriptions checks both texts).

create or replace function private.count_prescriptions(statuses public.prescription_status[])
returns bigint
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_org uuid := private.current_read_org_id_for('{admin,doctor,nurse,pharmacist}');
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
revoke execute on function private.count_prescriptions(public.prescription_status[]) from public, anon;
grant execute on function private.count_prescriptions(public.prescription_status[]) to authenticated;

create or replace function private.active_prescriptions(lim integer)
returns setof public.prescriptions
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_org uuid := private.current_read_org_id_for('{admin,doctor,nurse,pharmacist}');
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
revoke execute on function private.active_prescriptions(integer) from public, anon;
grant execute on function private.active_prescriptions(integer) to authenticated;

create or replace function public.count_prescriptions(
  statuses public.prescription_status[] default '{active}'
)
returns bigint
language sql
stable
security invoker
set search_path = ''
as $$
  select private.count_prescriptions(statuses);
$$;
comment on function public.count_prescriptions(public.prescription_status[]) is
  'RPC for the dashboard: the number of the caller''s clinic''s prescriptions in statuses (default active). Same rows as RLS lets the caller read (admin, doctor, nurse, pharmacist of the active clinic, or a live support grant); 0 for anyone else.';

create or replace function public.active_prescriptions(lim integer default 10)
returns setof public.prescriptions
language sql
stable
security invoker
set search_path = ''
as $$
  select * from private.active_prescriptions(lim);
$$;
comment on function public.active_prescriptions(integer) is
  'RPC for the dashboard: the caller''s clinic''s active prescriptions, oldest first, at most lim (1..200). Same rows as RLS lets the caller read (admin, doctor, nurse, pharmacist of the active clinic, or a live support grant); none for anyone else. An index range on (organization_id, status, created_at), unlike a status filter through RLS.';

revoke execute on function public.count_prescriptions(public.prescription_status[]) from public, anon;
grant execute on function public.count_prescriptions(public.prescription_status[]) to authenticated;
revoke execute on function public.active_prescriptions(integer) from public, anon;
grant execute on function public.active_prescriptions(integer) to authenticated;
