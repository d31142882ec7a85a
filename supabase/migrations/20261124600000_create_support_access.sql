-- Support access (issue 8, point 7): a platform admin may enter ONE clinic READ-ONLY, for a stated
-- reason and a limited time (15-120 minutes), and every such access is recorded in that clinic's
-- own audit_log under the platform admin's identity (and in platform_audit_log).
--
-- Design (the parts RLS rests on live with tenancy, 20261124100100_create_tenancy.sql):
-- * public.support_access_grants: one row per access (who, which clinic, why, until when, ended).
--   Written only by the RPCs below (security definer, platform admin checked live); the API roles
--   may only read it, and only platform admins see rows. A trigger keeps rows immutable except
--   for ending them once (ended_at null -> a time).
-- * The grant is checked LIVE on every statement, never from a claim: private.active_support_grant()
--   is the caller's grant with ended_at null and starts_at <= now() < expires_at, in an active
--   clinic, while the caller is still in platform_admins. When it expires (or is ended, or the
--   person stops being a platform admin) the next statement reads nothing.
-- * Read scope: SELECT policies of the clinic tables compare organization_id with ONE scalar,
--   (select private.current_read_org_id()) or (select private.current_read_org_id_for(<role set>)):
--   the caller's live membership org exactly as current_org_id()/current_org_id_for() compute it,
--   and ONLY for a caller without a live membership in the token's clinic, the support grant's org.
--   Same InitPlan shape, same index condition (docs/benchmark.md); for members it is the same single
--   membership lookup.
-- * Writes never read through a grant: INSERT/UPDATE/DELETE policies, RPCs and definer functions use
--   current_org_id()/current_org_id_for()/is_org_admin(), which ignore grants. A support session
--   therefore can write nothing in the clinic.
-- * Support reads: the organization, patients, patient_field_definitions, visits, visit_notes,
--   lab_orders, prescriptions, memberships and the members' profiles (what a clinic admin reads),
--   but NOT audit_log (the trail that records the support access itself), invitations, storage
--   listings, subscriptions or invoices through the clinic scope.
-- * log_chart_view (audit log) accepts a support session: chart openings are audited with the
--   platform admin as actor and the grant id in `changes`.
-- * create_session_handoff (session handoffs) accepts an active grant, so the console can carry the
--   platform admin's session to the clinic's address.
-- This migration: starting, ending and showing a support access.

-- Starting and ending -------------------------------------------------------------------------------------
-- Internal: ends the given open grant and records it in both trails.
create function private.end_support_grant(p_grant public.support_access_grants, p_why text)
returns void
language plpgsql volatile security definer set search_path = ''
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

create function private.start_support_access(p_organization_id uuid, p_reason text, p_minutes integer)
returns uuid
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_admin uuid := private.require_platform_admin();
  v_reason text := btrim(coalesce(p_reason, ''));
  v_status public.organization_status;
  v_open public.support_access_grants;
  v_grant public.support_access_grants;
  v_email text;
  v_name text;
begin
  if char_length(v_reason) < 10 or char_length(v_reason) > 500 then
    raise exception 'State the reason for the access (10 to 500 characters).' using errcode = '23514', hint = 'reason';
  end if;
  if p_minutes is null or p_minutes < 15 or p_minutes > 120 then
    raise exception 'Choose between 15 and 120 minutes.' using errcode = '23514', hint = 'minutes';
  end if;
  select o.status into v_status from public.organizations o where o.id = p_organization_id;
  if v_status is null then
    raise exception 'No such clinic' using errcode = 'PT404';
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
  select nullif(btrim(p.full_name), '') into v_name from public.profiles p where p.id = v_admin;
  insert into public.platform_audit_log (actor_id, action, organization_id, details)
  values (v_admin, 'support.start', p_organization_id, jsonb_build_object(
    'grant_id', v_grant.id, 'reason', v_reason, 'expires_at', v_grant.expires_at, 'minutes', p_minutes));
  perform private.write_audit(
    p_organization_id, 'insert', 'support_access_grants', v_grant.id,
    jsonb_build_object('platform_action', 'support.start', 'new', jsonb_build_object(
      'platform_admin_id', v_admin, 'platform_admin_email', v_email,
      -- the name the clinic's trail shows for this person (they are not one of its members)
      'platform_admin_name', v_name, 'reason', v_reason,
      'starts_at', v_grant.starts_at, 'expires_at', v_grant.expires_at, 'access', 'read-only')));
  return v_grant.id;
end;
$$;
comment on function private.start_support_access(uuid, text, integer) is
  'Platform admins: opens read-only support access to one clinic (reason 10-500 chars, 15-120 minutes), ending any previous one; recorded in the clinic''s audit_log and platform_audit_log.';

create function private.end_support_access()
returns integer
language plpgsql volatile security definer set search_path = ''
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

create function private.my_support_access()
returns table (
  grant_id uuid, organization_id uuid, slug text, name text, reason text,
  starts_at timestamptz, expires_at timestamptz, platform_admin_email text, platform_admin_name text,
  time_zone text
)
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_grant public.support_access_grants := private.active_support_grant();
begin
  if v_grant.id is null then
    return;
  end if;
  return query
    select v_grant.id, o.id, o.slug, o.name, v_grant.reason, v_grant.starts_at, v_grant.expires_at,
           u.email::text, nullif(p.full_name, ''), o.time_zone
      from public.organizations o
      join auth.users u on u.id = v_grant.platform_admin_id
      left join public.profiles p on p.id = v_grant.platform_admin_id
     where o.id = v_grant.organization_id;
end;
$$;
comment on function private.my_support_access() is
  'The caller''s live support access (zero or one row): which clinic, why, until when, and who (for the banner).';

select private.add_rpc('private.start_support_access(uuid, text, integer)',
  'RPC (platform admins): read-only support access to a clinic with a reason (10-500 chars) for 15-120 minutes; returns the grant id.');

select private.add_rpc('private.end_support_access()',
  'RPC: ends the caller''s open support access now.');

select private.add_rpc('private.my_support_access()',
  'RPC: the caller''s live support access, if any (zero or one row).');

select private.grant_execute('{authenticated}',
  'private.start_support_access(uuid, text, integer)',
  'private.end_support_access()',
  'private.my_support_access()');
