-- Choosing the active organization. A person may work at several clinics; the JWT names one at a
-- time. switch_organization() records the choice in profiles.active_organization_id; the new claims
-- appear at the next token refresh (the app calls auth.refreshSession() right after).
-- my_organizations() lists where the caller may switch to (for the clinic switcher).
-- The security definer parts live in `private`; `public` holds thin security invoker wrappers,
-- which are what the Data API exposes.

create function private.switch_organization(p_org_id uuid)
returns void
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_user_id uuid := auth.uid();
  v_membership_status public.membership_status;
  v_organization_status public.organization_status;
begin
  if v_user_id is null then
    raise exception 'Sign in to choose an organization' using errcode = '42501';
  end if;

  if p_org_id is null then
    update public.profiles set active_organization_id = null where id = v_user_id;
    return;
  end if;

  select m.status, o.status
    into v_membership_status, v_organization_status
    from public.memberships m
    join public.organizations o on o.id = m.organization_id
   where m.user_id = v_user_id
     and m.organization_id = p_org_id;

  if not found then
    raise exception 'You are not a member of this organization' using errcode = '42501';
  elsif v_membership_status <> 'active' then
    raise exception 'Your membership of this organization is not active (%)', v_membership_status
      using errcode = '42501';
  elsif v_organization_status <> 'active' then
    raise exception 'This organization is suspended' using errcode = '42501';
  end if;

  update public.profiles set active_organization_id = p_org_id where id = v_user_id;
end;
$$;
comment on function private.switch_organization(uuid) is
  'Sets the caller''s active organization after checking an active membership in an active organization (null clears it).';

select private.add_rpc('private.switch_organization(uuid)',
  'RPC: make org_id the caller''s active organization (takes effect at the next token refresh). Raises 42501 with a clear message when not allowed.');

create function private.my_organizations()
returns table (
  organization_id uuid,
  slug text,
  name text,
  type public.organization_type,
  logo_path text,
  theme_color text,
  role public.member_role,
  is_active boolean,
  require_two_factor boolean,
  time_zone text
)
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_user_id uuid := auth.uid();
begin
  -- a token whose Auth session has ended works nowhere (every page of the portal asks this first)
  if not private.session_is_live() then
    return;
  end if;
  return query
    select o.id, o.slug, o.name, o.type, o.logo_path, o.theme_color, m.role,
           coalesce(p.active_organization_id = o.id, false), o.require_two_factor,
           o.time_zone
      from public.memberships m
      join public.organizations o on o.id = m.organization_id
      left join public.profiles p on p.id = m.user_id
     where m.user_id = v_user_id
       and m.status = 'active'
       and o.status = 'active'
     order by o.name;
end;
$$;
comment on function private.my_organizations() is
  'The active organizations where the caller has an active membership, with their role, whether it is the active one, and whether it requires two-factor sign-in, and its time zone; none when the caller''s Auth session has ended.';

select private.add_rpc('private.my_organizations()',
  'RPC: organizations the caller can switch to (active membership, active organization), with role, is_active, require_two_factor and time_zone.');

select private.grant_execute('{authenticated}',
  'private.switch_organization(uuid)',
  'private.my_organizations()');
