-- RLS helpers (private schema, not exposed). Policies call them wrapped as `(select private.fn())`
-- so each runs once per statement as an InitPlan and the org predicate stays an index condition.
--
-- The JWT names the active organization, but claims stay valid until the token expires. These
-- helpers therefore confirm the LIVE membership on every statement (one lookup on the unique
-- (user_id, organization_id) index plus the organization's primary key): removing someone,
-- suspending a clinic or changing a role takes effect on the very next request.
-- plpgsql security definer: measured fastest in BENCHMARK.md (cached plan), and RLS on
-- memberships/organizations must not apply to the check itself.

create or replace function private.current_org_id()
returns uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_claim text := auth.jwt() ->> 'organization_id';
  v_org_id uuid;
begin
  if v_claim is null
     or v_claim !~ '^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$' then
    return null;
  end if;
  select m.organization_id
    into v_org_id
    from public.memberships m
    join public.organizations o on o.id = m.organization_id
   where m.user_id = auth.uid()
     and m.organization_id = v_claim::uuid
     and m.status = 'active'
     and o.status = 'active';
  return v_org_id;
end;
$$;
comment on function private.current_org_id() is
  'The JWT organization_id claim, if the caller still has an active membership in that active organization; else null.';

create or replace function private.current_org_role()
returns public.member_role
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_claim text := auth.jwt() ->> 'organization_id';
  v_role public.member_role;
begin
  if v_claim is null
     or v_claim !~ '^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$' then
    return null;
  end if;
  -- the live role, never the org_role claim (which may be stale)
  select m.role
    into v_role
    from public.memberships m
    join public.organizations o on o.id = m.organization_id
   where m.user_id = auth.uid()
     and m.organization_id = v_claim::uuid
     and m.status = 'active'
     and o.status = 'active';
  return v_role;
end;
$$;
comment on function private.current_org_role() is
  'The caller''s live role in the JWT''s organization (null without an active membership in an active org).';

create or replace function private.is_org_admin()
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return coalesce(private.current_org_role() = 'admin', false);
end;
$$;
comment on function private.is_org_admin() is
  'True when the caller is a live, active admin of the JWT''s active organization.';

create or replace function private.is_platform_admin()
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return exists (select 1 from public.platform_admins pa where pa.user_id = auth.uid());
end;
$$;
comment on function private.is_platform_admin() is
  'True when the caller is in platform_admins (checked live, not from the is_platform_admin claim).';

create or replace function private.current_org_member_ids()
returns uuid[]
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_org_id uuid := private.current_org_id();
begin
  if v_org_id is null then
    return '{}'::uuid[];
  end if;
  return array(select m.user_id from public.memberships m where m.organization_id = v_org_id);
end;
$$;
comment on function private.current_org_member_ids() is
  'User ids of everyone with a membership (any status) in the caller''s live active organization: lets colleagues see each other''s profiles with one array parameter instead of a per-row subquery.';

revoke execute on function
  private.current_org_id(), private.current_org_role(), private.is_org_admin(),
  private.is_platform_admin(), private.current_org_member_ids()
from public, anon;
grant execute on function
  private.current_org_id(), private.current_org_role(), private.is_org_admin(),
  private.is_platform_admin(), private.current_org_member_ids()
to authenticated, service_role;
