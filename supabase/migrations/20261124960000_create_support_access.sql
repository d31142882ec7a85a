-- Support access (issue 8, point 7): a platform admin may enter ONE clinic READ-ONLY, for a stated
-- reason and a limited time (15-120 minutes), and every such access is recorded in that clinic's
-- own audit_log under the platform admin's identity (and in platform_audit_log).
--
-- Design:
-- * public.support_access_grants: one row per access (who, which clinic, why, until when, ended).
--   Written only by the RPCs below (security definer, platform admin checked live); the API roles
--   may only read it, and only platform admins see rows. A trigger keeps rows immutable except
--   for ending them once (ended_at null -> a time).
-- * The grant is checked LIVE on every statement, never from a claim: private.active_support_grant()
--   is the caller's grant with ended_at null and starts_at <= now() < expires_at, in an active
--   clinic, while the caller is still in platform_admins. When it expires (or is ended, or the
--   person stops being a platform admin) the next statement reads nothing.
-- * Read scope: SELECT policies of the clinic tables compare organization_id with ONE scalar,
--   (select private.current_read_org_id()) or (select private.current_read_org_id_for(roles)):
--   the caller's live membership org exactly as current_org_id()/current_org_id_for() compute it,
--   and ONLY for a caller without a live membership in the token's clinic, the support grant's org.
--   Same InitPlan shape, same index condition (BENCHMARK.md); for members it is the same single
--   membership lookup as before.
-- * Writes are untouched: INSERT/UPDATE/DELETE policies, RPCs and definer functions keep using
--   current_org_id()/current_org_id_for()/is_org_admin(), which ignore grants. A support session
--   therefore can write nothing in the clinic.
-- * Support reads: the organization, patients, patient_field_definitions, visits, visit_notes,
--   lab_orders, prescriptions, memberships and the members' profiles (what a clinic admin reads),
--   but NOT audit_log (the trail that records the support access itself), invitations, storage
--   listings, subscriptions or invoices through the clinic scope.
-- * log_chart_view accepts a support session: chart openings are audited with the platform admin
--   as actor and the grant id in `changes`.
-- * create_session_handoff accepts an active grant, so the console can carry the platform admin's
--   session to the clinic's address (the handoff is otherwise unchanged).

create table public.support_access_grants (
  id uuid primary key default gen_random_uuid(),
  platform_admin_id uuid not null references auth.users (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  reason text not null check (char_length(btrim(reason)) between 10 and 500),
  starts_at timestamptz not null default now(),
  expires_at timestamptz not null,
  ended_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint support_access_grants_duration_check
    check (expires_at > starts_at and expires_at <= starts_at + interval '2 hours'),
  constraint support_access_grants_ended_at_check check (ended_at is null or ended_at >= starts_at)
);
comment on table public.support_access_grants is
  'Read-only support access of a platform admin to one clinic: reason, time limit (max 2 h), early end. Written only by start_support_access/end_support_access; readable by platform admins.';
alter table public.support_access_grants enable row level security;

-- unique because they contain the primary key; serve the foreign keys and the live grant lookup
create unique index support_access_grants_platform_admin_id_id_key
  on public.support_access_grants (platform_admin_id, id);
create unique index support_access_grants_organization_id_id_key
  on public.support_access_grants (organization_id, id);

create trigger support_access_grants_set_timestamps
  before insert or update on public.support_access_grants
  for each row execute function private.set_timestamps();

create or replace function private.guard_support_access_grant_update()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    -- the clinic or the person is being deleted (cascade): the grant goes with them
    if not exists (select 1 from public.organizations o where o.id = old.organization_id)
       or not exists (select 1 from auth.users u where u.id = old.platform_admin_id) then
      return old;
    end if;
    raise exception 'Support access grants are kept; end them instead' using errcode = '42501';
  end if;
  if old.ended_at is not null
     or new.ended_at is null
     or (to_jsonb(new) - 'ended_at' - 'updated_at') is distinct from (to_jsonb(old) - 'ended_at' - 'updated_at') then
    raise exception 'A support access grant can only be ended, once' using errcode = '42501';
  end if;
  return new;
end;
$$;
comment on function private.guard_support_access_grant_update() is
  'Trigger: support grants are immutable except for setting ended_at once; no deletes (except cascades).';
revoke execute on function private.guard_support_access_grant_update() from public, anon, authenticated;
create trigger support_access_grants_guard
  before update or delete on public.support_access_grants
  for each row execute function private.guard_support_access_grant_update();

revoke all on table public.support_access_grants from anon, authenticated;
grant select on table public.support_access_grants to authenticated;

-- Platform admins see every support access (oversight); nobody writes through the API.
create policy support_access_grants_select_platform on public.support_access_grants
  for select to authenticated
  using ((select private.is_platform_admin()));

-- The live grant ---------------------------------------------------------------------------------------
create or replace function private.active_support_grant()
returns public.support_access_grants
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_grant public.support_access_grants;
begin
  if auth.uid() is null then
    return null;
  end if;
  select g.* into v_grant
    from public.support_access_grants g
    join public.organizations o on o.id = g.organization_id
   where g.platform_admin_id = auth.uid()
     and g.ended_at is null
     and g.starts_at <= now()
     and g.expires_at > now()
     and o.status = 'active'
     and exists (select 1 from public.platform_admins pa where pa.user_id = auth.uid())
   order by g.starts_at desc
   limit 1;
  return v_grant;
end;
$$;
comment on function private.active_support_grant() is
  'The caller''s live support grant (not ended, not expired, active clinic, caller still a platform admin), or a row of nulls.';

create or replace function private.current_read_org_id_for(p_roles public.member_role[])
returns uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_claim text := auth.jwt() ->> 'organization_id';
  v_org_id uuid;
  v_role public.member_role;
begin
  if v_claim ~ '^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$' then
    select m.organization_id, m.role
      into v_org_id, v_role
      from public.memberships m
      join public.organizations o on o.id = m.organization_id
     where m.user_id = auth.uid()
       and m.organization_id = v_claim::uuid
       and m.status = 'active'
       and o.status = 'active';
    if v_org_id is not null then
      -- a member reads as a member, never through a grant
      return case when p_roles is null or v_role = any (p_roles) then v_org_id end;
    end if;
  end if;
  return (private.active_support_grant()).organization_id;
end;
$$;
comment on function private.current_read_org_id_for(public.member_role[]) is
  'READ scope for SELECT policies: the live membership org when its role is in p_roles (null = any role), else, for a caller without a live membership in the token''s clinic, the org of their live support grant. Never used by write policies.';

create or replace function private.current_read_org_id()
returns uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return private.current_read_org_id_for(null);
end;
$$;
comment on function private.current_read_org_id() is
  'READ scope for SELECT policies: current_org_id(), or the live support grant''s org for a caller without a membership there.';

create or replace function private.current_read_org_member_ids()
returns uuid[]
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_org_id uuid := private.current_read_org_id();
begin
  if v_org_id is null then
    return '{}'::uuid[];
  end if;
  return array(select m.user_id from public.memberships m where m.organization_id = v_org_id);
end;
$$;
comment on function private.current_read_org_member_ids() is
  'User ids of everyone with a membership in the caller''s READ org (membership or support grant): profiles a support session may see.';

revoke execute on function
  private.active_support_grant(), private.current_read_org_id_for(public.member_role[]),
  private.current_read_org_id(), private.current_read_org_member_ids()
from public, anon;
grant execute on function
  private.active_support_grant(), private.current_read_org_id_for(public.member_role[]),
  private.current_read_org_id(), private.current_read_org_member_ids()
to authenticated, service_role;

-- SELECT policies read through the read scope (writes unchanged) ----------------------------------------
alter policy patients_select on public.patients
  using (organization_id = (select private.current_read_org_id()));
alter policy patient_field_definitions_select on public.patient_field_definitions
  using (organization_id = (select private.current_read_org_id()));
alter policy visits_select_care_team on public.visits
  using (organization_id = (select private.current_read_org_id_for('{admin,doctor,nurse,receptionist}')));
alter policy visit_notes_select_clinical on public.visit_notes
  using (organization_id = (select private.current_read_org_id_for('{admin,doctor,nurse}')));
alter policy lab_orders_select_clinical on public.lab_orders
  using (organization_id = (select private.current_read_org_id_for('{admin,doctor,nurse,lab_technician}')));
alter policy prescriptions_select_clinical on public.prescriptions
  using (organization_id = (select private.current_read_org_id_for('{admin,doctor,nurse,pharmacist}')));
alter policy memberships_select on public.memberships
  using (organization_id = (select private.current_read_org_id()) or user_id = (select auth.uid()));
alter policy profiles_select on public.profiles
  using (id = (select auth.uid()) or id = any ((select private.current_read_org_member_ids())::uuid[]));

-- Starting and ending -------------------------------------------------------------------------------------
-- Internal: ends the given open grant and records it in both trails.
create or replace function private.end_support_grant(p_grant public.support_access_grants, p_why text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  update public.support_access_grants set ended_at = now()
   where id = p_grant.id and ended_at is null;
  insert into public.platform_audit_log (actor_id, action, organization_id, details)
  values (auth.uid(), 'support.end', p_grant.organization_id,
          jsonb_build_object('grant_id', p_grant.id, 'why', p_why));
  perform private.write_audit(
    p_grant.organization_id, 'update', 'support_access_grants', p_grant.id,
    jsonb_build_object('platform_action', 'support.end', 'why', p_why,
                       'old', jsonb_build_object('ended_at', null),
                       'new', jsonb_build_object('ended_at', now())));
end;
$$;
revoke execute on function private.end_support_grant(public.support_access_grants, text)
  from public, anon, authenticated;

create or replace function private.start_support_access(p_organization_id uuid, p_reason text, p_minutes integer)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_admin uuid := private.require_platform_admin();
  v_reason text := btrim(coalesce(p_reason, ''));
  v_status public.organization_status;
  v_open public.support_access_grants;
  v_grant public.support_access_grants;
  v_email text;
begin
  if char_length(v_reason) < 10 or char_length(v_reason) > 500 then
    raise exception 'State the reason for the access (10 to 500 characters).' using errcode = '23514', hint = 'reason';
  end if;
  if p_minutes is null or p_minutes < 15 or p_minutes > 120 then
    raise exception 'Choose between 15 and 120 minutes.' using errcode = '23514', hint = 'minutes';
  end if;
  select o.status into v_status from public.organizations o where o.id = p_organization_id;
  if v_status is null then
    raise exception 'No such clinic' using errcode = 'P0002';
  end if;
  if v_status <> 'active' then
    raise exception 'The clinic is suspended; support access is not possible.' using errcode = '42501';
  end if;
  -- one support access at a time: a new one ends the previous one
  for v_open in
    select * from public.support_access_grants g
     where g.platform_admin_id = v_admin and g.ended_at is null and g.expires_at > now()
     for update
  loop
    perform private.end_support_grant(v_open, 'replaced');
  end loop;

  insert into public.support_access_grants (platform_admin_id, organization_id, reason, expires_at)
  values (v_admin, p_organization_id, v_reason, now() + make_interval(mins => p_minutes))
  returning * into v_grant;

  select u.email into v_email from auth.users u where u.id = v_admin;
  insert into public.platform_audit_log (actor_id, action, organization_id, details)
  values (v_admin, 'support.start', p_organization_id, jsonb_build_object(
    'grant_id', v_grant.id, 'reason', v_reason, 'expires_at', v_grant.expires_at, 'minutes', p_minutes));
  perform private.write_audit(
    p_organization_id, 'insert', 'support_access_grants', v_grant.id,
    jsonb_build_object('platform_action', 'support.start', 'new', jsonb_build_object(
      'platform_admin_id', v_admin, 'platform_admin_email', v_email, 'reason', v_reason,
      'starts_at', v_grant.starts_at, 'expires_at', v_grant.expires_at, 'access', 'read-only')));
  return v_grant.id;
end;
$$;
comment on function private.start_support_access(uuid, text, integer) is
  'Platform admins: opens read-only support access to one clinic (reason 10-500 chars, 15-120 minutes), ending any previous one; recorded in the clinic''s audit_log and platform_audit_log.';

create or replace function private.end_support_access()
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_open public.support_access_grants;
  v_count integer := 0;
begin
  if auth.uid() is null then
    raise exception 'Sign in first' using errcode = '42501';
  end if;
  for v_open in
    select * from public.support_access_grants g
     where g.platform_admin_id = auth.uid() and g.ended_at is null and g.expires_at > now()
     for update
  loop
    perform private.end_support_grant(v_open, 'ended');
    v_count := v_count + 1;
  end loop;
  return v_count;
end;
$$;
comment on function private.end_support_access() is
  'Ends the caller''s open support access (if any) before its time limit; recorded in both trails. Returns how many were ended.';

create or replace function private.my_support_access()
returns table (
  grant_id uuid, organization_id uuid, slug text, name text, reason text,
  starts_at timestamptz, expires_at timestamptz, platform_admin_email text, platform_admin_name text
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_grant public.support_access_grants := private.active_support_grant();
begin
  if v_grant.id is null then
    return;
  end if;
  return query
    select v_grant.id, o.id, o.slug, o.name, v_grant.reason, v_grant.starts_at, v_grant.expires_at,
           u.email::text, nullif(p.full_name, '')
      from public.organizations o
      join auth.users u on u.id = v_grant.platform_admin_id
      left join public.profiles p on p.id = v_grant.platform_admin_id
     where o.id = v_grant.organization_id;
end;
$$;
comment on function private.my_support_access() is
  'The caller''s live support access (zero or one row): which clinic, why, until when, and who (for the banner).';

create or replace function public.start_support_access(organization_id uuid, reason text, minutes integer)
returns uuid
language sql
volatile
security invoker
set search_path = ''
as $$
  select private.start_support_access(organization_id, reason, minutes);
$$;
comment on function public.start_support_access(uuid, text, integer) is
  'RPC (platform admins): read-only support access to a clinic with a reason (10-500 chars) for 15-120 minutes; returns the grant id.';

create or replace function public.end_support_access()
returns integer
language sql
volatile
security invoker
set search_path = ''
as $$
  select private.end_support_access();
$$;
comment on function public.end_support_access() is
  'RPC: ends the caller''s open support access now.';

create or replace function public.my_support_access()
returns table (
  grant_id uuid, organization_id uuid, slug text, name text, reason text,
  starts_at timestamptz, expires_at timestamptz, platform_admin_email text, platform_admin_name text
)
language sql
stable
security invoker
set search_path = ''
as $$
  select * from private.my_support_access();
$$;
comment on function public.my_support_access() is
  'RPC: the caller''s live support access, if any (zero or one row).';

revoke execute on function
  private.start_support_access(uuid, text, integer), public.start_support_access(uuid, text, integer),
  private.end_support_access(), public.end_support_access(),
  private.my_support_access(), public.my_support_access()
from public, anon;
grant execute on function
  private.start_support_access(uuid, text, integer), public.start_support_access(uuid, text, integer),
  private.end_support_access(), public.end_support_access(),
  private.my_support_access(), public.my_support_access()
to authenticated;

-- Chart views during support are audited under the platform admin -----------------------------------------
create or replace function private.log_chart_view(p_patient_id uuid)
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_org uuid := private.current_org_id();
  v_grant public.support_access_grants;
begin
  if v_org is null then
    v_grant := private.active_support_grant();
    v_org := v_grant.organization_id;
  end if;
  if v_org is null then
    raise exception 'Sign in to a clinic to open patient charts' using errcode = '42501';
  end if;
  if not exists (select 1 from public.patients p where p.organization_id = v_org and p.id = p_patient_id) then
    raise exception 'Patient not found' using errcode = 'P0002';
  end if;
  return private.write_audit(v_org, 'view', 'patients', p_patient_id,
    case when v_grant.id is null then '{}'::jsonb
         else jsonb_build_object('support_grant_id', v_grant.id) end);
end;
$$;
comment on function private.log_chart_view(uuid) is
  'Records that the caller opened a patient''s chart (patient must belong to the caller''s live clinic, or to the clinic of their live support grant; then changes = {support_grant_id}).';

-- The handoff to the clinic's address accepts a live support grant ------------------------------------------
create or replace function private.create_session_handoff(p_slug text, p_refresh_token text)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_user_id uuid := auth.uid();
  v_organization_id uuid;
  v_code text := encode(extensions.gen_random_bytes(32), 'hex');
begin
  if v_user_id is null then
    raise exception 'Sign in first' using errcode = '42501';
  end if;
  if coalesce(length(p_refresh_token), 0) = 0 then
    raise exception 'A refresh token is required' using errcode = '22023';
  end if;
  select o.id into v_organization_id
    from public.organizations o
    join public.memberships m on m.organization_id = o.id
   where o.slug = p_slug
     and o.status = 'active'
     and m.user_id = v_user_id
     and m.status = 'active';
  if v_organization_id is null then
    select o.id into v_organization_id
      from public.organizations o
     where o.slug = p_slug
       and o.id = (private.active_support_grant()).organization_id;
  end if;
  if v_organization_id is null then
    raise exception 'You are not an active member of that clinic' using errcode = '42501';
  end if;
  delete from private.session_handoffs where expires_at < now();
  insert into private.session_handoffs (code_hash, user_id, organization_id, refresh_token)
  values (encode(extensions.digest(v_code, 'sha256'), 'hex'), v_user_id, v_organization_id, p_refresh_token);
  return v_code;
end;
$$;
