-- Admin pages in one Data API request each (issue 18, second round), over objects of
-- 20261124900000_require_two_factor.sql, so after it.
--
-- The staff page and the settings page read the clinic's memberships in one embedded select from the
-- clinic's row; whether each person has set up two-factor sign-in was a second request
-- (staff_two_factor). It is now a computed field of memberships, `two_factor`, that the same select
-- carries: `organizations?select=…,memberships(id,…,two_factor)`.

create function private.member_two_factor(p_membership_id uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_org uuid := private.current_org_id_for(private.admin_roles());
begin
  -- exactly staff_two_factor's scope: an admin (aal2) of the active clinic, about its memberships;
  -- null for anyone else and any other membership
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
  'Body of public.two_factor(memberships): whether the membership''s person has a verified factor, for an admin (aal2) of the membership''s clinic (the active one); null otherwise. The scope of private.staff_two_factor.';
revoke execute on function private.member_two_factor(uuid) from public, anon;
grant execute on function private.member_two_factor(uuid) to authenticated;

create function public.two_factor(public.memberships)
returns boolean
language sql
stable
security invoker
set search_path = ''
as $$
  select private.member_two_factor($1.id);
$$;
comment on function public.two_factor(public.memberships) is
  'Computed field of memberships (select=…,two_factor): whether the person has set up two-factor sign-in, as staff_two_factor() says it to an admin (aal2) of the active clinic; null for anyone else.';
revoke execute on function public.two_factor(public.memberships) from public, anon;
grant execute on function public.two_factor(public.memberships) to authenticated;
