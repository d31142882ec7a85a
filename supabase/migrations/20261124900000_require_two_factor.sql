-- Two-factor sign-in (issue 14; docs/security.md "Assurance levels"). Supabase Auth puts the
-- session's assurance level in the JWT (`aal`: aal1 after a password, aal2 once a TOTP code was
-- verified). The rule, private.two_factor_satisfied(), lives with the RLS helpers in
-- 20261124100100_create_tenancy.sql, where it also gates current_membership() and
-- is_platform_admin(): a person who has a verified factor, is a platform admin, administers a
-- clinic or works at a clinic that requires two-factor sign-in acts in no clinic below aal2. This
-- migration adds what is specific to the capability:
--
-- 1. Restrictive policies: every table in public with an organization_id column gets four
--    (`<table>_<operation>_two_factor`, select/insert/update/delete) that AND
--    `(select private.two_factor_satisfied())` (add_two_factor_policies shows the exact form) to
--    whatever its permissive policies allow, so an aal1 token of such a person reads nothing and
--    writes nothing there, whatever those policies say (own rows included). One InitPlan per statement: the organization predicate stays an
--    index condition (tests/db/plan-gates.test.ts). Tables of later migrations are
--    covered by the helpers already when every policy goes through them (current_org_id(),
--    current_org_id_for(), is_org_admin(), is_platform_admin(), ...: they all ask the gated
--    current_membership() / is_platform_admin()); a table with any other way in (an own-row
--    policy such as user_id = auth.uid(), an e-mail match) must call
--    `private.add_two_factor_policies('public.<table>')` after creating it. pgTAP 30-two-factor
--    reads the catalog and fails for any table with an organization_id covered neither way.
-- 2. Storage: the branding bucket (admin-only) needs aal2 for every operation through the API.
-- 3. set_two_factor_requirement(required): a clinic admin's setting "require two-factor sign-in for
--    all staff" (organizations.require_two_factor), audited in the clinic's trail.
-- 4. two_factor(memberships): a computed field saying to a clinic admin which members have a
--    verified factor.
-- 5. reset_member_two_factor(membership_id): recovery by a clinic admin for a staff member (not an
--    admin, not someone who also works elsewhere or runs the platform: that is the platform's),
--    deleting their factors from auth.mfa_factors and ending their sessions (auth.sessions), audited.
-- 6. platform_clinic_admins(org) and platform_reset_two_factor(org, user): the same recovery by a
--    platform admin for a clinic's admins, audited in the platform trail and the clinic's.
--
-- Deleting auth.mfa_factors rows is Auth's admin factor delete, and deleting auth.sessions rows
-- ends sessions as Auth's sign-out does (docs/local-runtime.md "Auth: MFA", "Hosted shape": a
-- function owned by postgres may on hosted Supabase). Access tokens already issued stay valid
-- until they expire (jwt_expiry, 1 hour), as after any sign-out.

-- 1. Restrictive policies ------------------------------------------------------------------------
create function private.add_two_factor_policies(p_table regclass)
returns void
language plpgsql set search_path = ''
as $$
declare
  v_name text;
  v_op record;
  -- Exactly the helper's answer, written as an IS NOT NULL test over the row: RLS evaluates a
  -- restrictive qual at the table (a per-row filter, not a one-time filter), and the planner
  -- estimates a bare boolean parameter to keep half the rows, which skews plans (gate 4 of
  -- tests/db/plan-gates.test.ts); an IS NOT NULL test is estimated at 99.5 %, so the table's own
  -- policies still decide the plan. `organization_id is null` is never null itself. The helper
  -- still runs once per statement (an InitPlan).
  v_check constant text :=
    '((case when (select private.two_factor_satisfied()) then organization_id is null end) is not null)';
begin
  select c.relname into strict v_name from pg_catalog.pg_class c where c.oid = p_table;
  for v_op in
    select * from (values
      ('select', true, false, 'visible to'), ('insert', false, true, 'accepted from'),
      ('update', true, true, 'changed by'), ('delete', true, false, 'deleted by')
    ) as o (cmd, has_using, has_check, what)
  loop
    execute format('create policy %I on %s as restrictive for %s to authenticated%s%s',
      v_name || '_' || v_op.cmd || '_two_factor', p_table, v_op.cmd,
      case when v_op.has_using then ' using ' || v_check else '' end,
      case when v_op.has_check then ' with check ' || v_check else '' end);
    execute format('comment on policy %I on %s is %L', v_name || '_' || v_op.cmd || '_two_factor', p_table,
      format('Restrictive: nothing is %s a token below the assurance level its person needs (two_factor_satisfied).', v_op.what));
  end loop;
end;
$$;
comment on function private.add_two_factor_policies(regclass) is
  'Migrations only: creates the four restrictive <table>_<operation>_two_factor policies on a clinic table (one with an organization_id column).';
revoke execute on function private.add_two_factor_policies(regclass) from public, anon, authenticated, service_role;

-- every table with an organization_id that exists now (pgTAP 30-two-factor checks later ones)
do $$
declare
  v_table regclass;
begin
  for v_table in
    select c.oid::regclass
      from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public'
       and c.relkind in ('r', 'p')
       and exists (
         select 1 from pg_catalog.pg_attribute a
          where a.attrelid = c.oid and a.attname = 'organization_id' and not a.attisdropped)
     order by c.relname
  loop
    perform private.add_two_factor_policies(v_table);
  end loop;
end;
$$;

-- 2. Storage: the branding bucket -----------------------------------------------------------------
-- Only a clinic's admins may use the branding bucket through the API (20261124100400), and admins
-- always need aal2: listing, uploading, replacing and deleting logos need an aal2 token. Public
-- logo URLs (sign-in pages) do not pass through these policies.

-- Restrictive: branding objects are listed only with an aal2 token.
create policy objects_select_branding_two_factor on storage.objects
  as restrictive for select to authenticated
  using (bucket_id <> 'branding' or (select private.has_aal2()));

-- Restrictive: branding objects are uploaded only with an aal2 token.
create policy objects_insert_branding_two_factor on storage.objects
  as restrictive for insert to authenticated
  with check (bucket_id <> 'branding' or (select private.has_aal2()));

-- Restrictive: branding objects are replaced only with an aal2 token.
create policy objects_update_branding_two_factor on storage.objects
  as restrictive for update to authenticated
  using (bucket_id <> 'branding' or (select private.has_aal2()))
  with check (bucket_id <> 'branding' or (select private.has_aal2()));

-- Restrictive: branding objects are deleted only with an aal2 token.
create policy objects_delete_branding_two_factor on storage.objects
  as restrictive for delete to authenticated
  using (bucket_id <> 'branding' or (select private.has_aal2()));

-- 3. The clinic's requirement ----------------------------------------------------------------------
create function private.set_two_factor_requirement(p_required boolean)
returns boolean
language plpgsql volatile security definer set search_path = ''
as $$
declare
  -- an admin of the live active clinic with an aal2 token (current_membership is gated)
  v_org uuid := private.require_org_for(private.admin_roles(),
                                        'Only the clinic''s administrators can change its two-factor requirement');
  v_old boolean;
begin
  if p_required is null then
    raise exception 'Choose whether two-factor sign-in is required' using errcode = '22004',
      hint = 'required';
  end if;
  select o.require_two_factor into v_old from public.organizations o where o.id = v_org for update;
  if v_old is distinct from p_required then
    update public.organizations set require_two_factor = p_required where id = v_org;
    perform private.write_audit(
      v_org, 'update', 'organizations', v_org,
      jsonb_build_object(
        'old', jsonb_build_object('require_two_factor', v_old),
        'new', jsonb_build_object('require_two_factor', p_required)));
  end if;
  return p_required;
end;
$$;
comment on function private.set_two_factor_requirement(boolean) is
  'Body of public.set_two_factor_requirement: admins (aal2) of the active clinic turn "require two-factor sign-in for all staff" on or off; a change is audited.';

select private.add_rpc('private.set_two_factor_requirement(boolean)',
  'RPC for clinic admins (aal2): require two-factor sign-in for all staff of the active clinic, or not. Audited. 42501 for anyone else.');

-- 4. Who has a factor -------------------------------------------------------------------------------
-- A computed field of memberships, `two_factor`, so the staff and settings pages read it in the same
-- embedded select as the memberships: `organizations?select=…,memberships(id,…,two_factor)`.
create function private.member_two_factor(p_membership_id uuid)
returns boolean
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_org uuid := private.current_org_id_for(private.admin_roles());
begin
  -- an admin (aal2) of the active clinic, about its memberships; null for anyone else and any
  -- other membership
  if v_org is null or p_membership_id is null then
    return null;
  end if;
  return (
    select exists (select 1 from auth.mfa_factors f
                    where f.user_id = m.user_id and f.status = 'verified')
      from public.memberships m
     where m.id = p_membership_id
       and m.organization_id = v_org);
end;
$$;
comment on function private.member_two_factor(uuid) is
  'Body of public.two_factor(memberships): whether the membership''s person has a verified factor, for an admin (aal2) of the membership''s clinic (the active one); null otherwise.';

create function public.two_factor(public.memberships)
returns boolean
language sql stable security invoker set search_path = ''
as $$
  select private.member_two_factor($1.id);
$$;
comment on function public.two_factor(public.memberships) is
  'Computed field of memberships (select=…,two_factor): whether the person has set up two-factor sign-in, for an admin (aal2) of the active clinic about its memberships; null for anyone else.';

-- 5. Recovery by a clinic admin ----------------------------------------------------------------------
-- Removes every factor of a person and ends all their sessions. Internal: the callers below have
-- established who may do it.
create function private.clear_two_factor(p_user_id uuid, out factors jsonb, out sessions integer)
language plpgsql volatile security definer set search_path = ''
as $$
begin
  with removed as (
    delete from auth.mfa_factors f where f.user_id = p_user_id
    returning f.id, f.friendly_name, f.factor_type, f.status
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'id', r.id, 'friendly_name', r.friendly_name, 'factor_type', r.factor_type,
           'status', r.status) order by r.id), '[]'::jsonb)
    into factors
    from removed r;
  -- their refresh tokens (and MFA claims) go with the sessions (Auth's foreign keys cascade)
  delete from auth.sessions s where s.user_id = p_user_id;
  get diagnostics sessions = row_count;
end;
$$;
comment on function private.clear_two_factor(uuid) is
  'Internal: deletes a person''s MFA factors (Auth''s admin factor delete) and their sessions (Auth''s sign-out); returns what was removed.';
revoke execute on function private.clear_two_factor(uuid) from public, anon, authenticated, service_role;

create function private.reset_member_two_factor(p_membership_id uuid)
returns integer
language plpgsql volatile security definer set search_path = ''
as $$
declare
  -- authorization first: an admin (aal2) of the live active clinic
  v_org uuid := private.current_org_id_for(private.admin_roles());
  v_member public.memberships;
  v_email text;
  v_cleared record;
begin
  select m.* into v_member
    from public.memberships m
   where m.id = p_membership_id
     and m.organization_id = v_org
     and m.status <> 'removed';
  if not found then
    -- not an admin here, another clinic's membership, or none at all: one answer
    raise exception 'No such staff member at this clinic' using errcode = 'PT404';
  end if;
  if v_member.user_id = auth.uid() then
    raise exception 'Manage your own two-factor sign-in from your account page' using errcode = '42501';
  end if;
  -- an admin, a person who also works at another clinic, or a platform admin: their factor guards
  -- more than this clinic, so only the platform may reset it
  if v_member.role = any (private.admin_roles())
     or exists (select 1 from public.memberships o
                 where o.user_id = v_member.user_id and o.organization_id <> v_org
                   and o.status <> 'removed')
     or exists (select 1 from public.platform_admins pa where pa.user_id = v_member.user_id) then
    raise exception 'Only the platform administrator can reset this person''s two-factor sign-in'
      using errcode = '42501';
  end if;

  select p.email into v_email from public.profiles p where p.id = v_member.user_id;
  select * into v_cleared from private.clear_two_factor(v_member.user_id);
  perform private.write_audit(
    v_org, 'delete', 'mfa_factors', v_member.id,
    jsonb_build_object(
      'old', jsonb_build_object('user_id', v_member.user_id, 'email', v_email,
                                'factors', v_cleared.factors),
      'sessions_ended', v_cleared.sessions));
  return jsonb_array_length(v_cleared.factors);
end;
$$;
comment on function private.reset_member_two_factor(uuid) is
  'Body of public.reset_member_two_factor: an admin (aal2) of the active clinic removes a staff member''s factors and ends their sessions; audited (delete on mfa_factors, row = the membership).';

select private.add_rpc('private.reset_member_two_factor(uuid)',
  'RPC for clinic admins (aal2): reset a staff member''s two-factor sign-in (factors deleted, sessions ended, audited); returns the number of factors removed. PT404 (HTTP 404) "No such staff member at this clinic" for anything the caller may not reset at their clinic; 42501 for admins, people who also work elsewhere, platform admins and oneself.');

-- 6. Recovery by a platform admin ----------------------------------------------------------------------
create function private.platform_clinic_admins(p_organization_id uuid)
returns table (
  user_id uuid, full_name text, email text, status public.membership_status, two_factor boolean
)
language plpgsql stable security definer set search_path = ''
as $$
begin
  perform private.require_platform_admin();
  return query
    select m.user_id, p.full_name, p.email, m.status,
           exists (select 1 from auth.mfa_factors f
                    where f.user_id = m.user_id and f.status = 'verified')
      from public.memberships m
      join public.profiles p on p.id = m.user_id
     where m.organization_id = p_organization_id
       and m.role = any (private.admin_roles())
       and m.status <> 'removed'
     order by lower(p.full_name), p.email;
end;
$$;
comment on function private.platform_clinic_admins(uuid) is
  'Platform admins (aal2): a clinic''s administrators and whether each has set up two-factor sign-in.';

select private.add_rpc('private.platform_clinic_admins(uuid)',
  'RPC for platform admins (aal2): a clinic''s administrators with their two-factor status. 42501 for anyone else.');

create function private.platform_reset_two_factor(p_organization_id uuid, p_user_id uuid)
returns integer
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_email text;
  v_cleared record;
begin
  perform private.require_platform_admin();
  if not exists (
    select 1 from public.memberships m
     where m.organization_id = p_organization_id and m.user_id = p_user_id
       and m.role = any (private.admin_roles()) and m.status <> 'removed'
  ) then
    raise exception 'No such administrator at this clinic' using errcode = 'PT404';
  end if;
  if p_user_id = auth.uid() then
    raise exception 'Manage your own two-factor sign-in from your account page' using errcode = '42501';
  end if;

  select p.email into v_email from public.profiles p where p.id = p_user_id;
  select * into v_cleared from private.clear_two_factor(p_user_id);
  perform private.platform_log(
    'clinic.two_factor_reset', p_organization_id,
    jsonb_build_object(
      'old', jsonb_build_object('user_id', p_user_id, 'email', v_email, 'factors', v_cleared.factors),
      'sessions_ended', v_cleared.sessions),
    'delete', 'mfa_factors');
  return jsonb_array_length(v_cleared.factors);
end;
$$;
comment on function private.platform_reset_two_factor(uuid, uuid) is
  'Body of public.platform_reset_two_factor: a platform admin (aal2) removes a clinic admin''s factors and ends their sessions; recorded in platform_audit_log and the clinic''s audit_log.';

select private.add_rpc('private.platform_reset_two_factor(uuid, uuid)',
  'RPC for platform admins (aal2): reset a clinic administrator''s two-factor sign-in (factors deleted, sessions ended, audited); returns the number of factors removed. PT404 (HTTP 404) when the person is not an administrator of that clinic; 42501 for anyone but a platform admin.');

select private.grant_execute('{authenticated}',
  'private.set_two_factor_requirement(boolean)',
  'private.member_two_factor(uuid)',
  'public.two_factor(public.memberships)',
  'private.reset_member_two_factor(uuid)',
  'private.platform_clinic_admins(uuid)',
  'private.platform_reset_two_factor(uuid, uuid)');
