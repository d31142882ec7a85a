-- The dashboard RPCs follow the schema rule "no security definer function in an exposed schema"
-- (pgTAP 00_schema_security): the definer bodies move to private, public keeps thin security
-- invoker wrappers with the same names, arguments, results and grants (the Data API surface and the
-- dashboard's calls do not change). Scope unchanged: the lab_orders SELECT policy's
-- private.current_read_org_id_for('{admin,doctor,nurse,lab_technician}') (20261124970000).

create or replace function private.count_lab_orders(statuses public.lab_order_status[])
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
comment on function private.count_lab_orders(public.lab_order_status[]) is
  'Body of public.count_lab_orders: applies the lab_orders SELECT scope itself so the status is an index condition (enum_eq is not leakproof, so it cannot be one through RLS).';
revoke execute on function private.count_lab_orders(public.lab_order_status[]) from public, anon;
grant execute on function private.count_lab_orders(public.lab_order_status[]) to authenticated;

create or replace function private.open_lab_orders(lim integer)
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
comment on function private.open_lab_orders(integer) is
  'Body of public.open_lab_orders: the two open statuses as ordered index ranges under the lab_orders SELECT scope, merged.';
revoke execute on function private.open_lab_orders(integer) from public, anon;
grant execute on function private.open_lab_orders(integer) to authenticated;

create or replace function public.count_lab_orders(
  statuses public.lab_order_status[] default '{ordered,collected}'
)
returns bigint
language sql
stable
security invoker
set search_path = ''
as $$
  select private.count_lab_orders(statuses);
$$;

create or replace function public.open_lab_orders(lim integer default 10)
returns setof public.lab_orders
language sql
stable
security invoker
set search_path = ''
as $$
  select * from private.open_lab_orders(lim);
$$;

revoke execute on function public.count_lab_orders(public.lab_order_status[]) from public, anon;
grant execute on function public.count_lab_orders(public.lab_order_status[]) to authenticated;
revoke execute on function public.open_lab_orders(integer) from public, anon;
grant execute on function public.open_lab_orders(integer) to authenticated;
