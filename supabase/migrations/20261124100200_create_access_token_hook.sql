-- Custom access token hook (config.toml [auth.hook.custom_access_token]); Supabase Auth calls it as
-- supabase_auth_admin on every token issue, refresh included (SUPABASE_CONTRACTS.md 3.3).
--
-- Adds top-level claims:
--   organization_id  uuid of the person's active organization, and
--   org_role         their role there,
-- only when profiles.active_organization_id names an ACTIVE membership in an ACTIVE organization;
-- otherwise both are removed (a stale or forged value never survives a refresh). Adds
--   is_platform_admin: true
-- for platform admins (removed otherwise), and
--   two_factor_required: true
-- when the person must sign in with a second factor (private.aal2_required: a verified factor, a
-- platform admin, an admin, or staff of a clinic that requires it), so the portal asks for a code
-- or an authenticator before any page without a round trip; Auth's own `aal` and `amr` claims pass
-- through untouched. Never reads user_metadata.
-- Claims are a hint for the app; RLS re-checks the live membership on every request.

create function public.custom_access_token_hook(event jsonb)
returns jsonb
language plpgsql stable set search_path = ''
as $$
declare
  v_user_id uuid := (event ->> 'user_id')::uuid;
  v_claims jsonb := coalesce(event -> 'claims', '{}'::jsonb)
    - 'organization_id' - 'org_role' - 'is_platform_admin' - 'two_factor_required';
  v_organization_id uuid;
  v_role public.member_role;
begin
  select m.organization_id, m.role
    into v_organization_id, v_role
    from public.profiles p
    join public.memberships m
      on m.user_id = p.id
     and m.organization_id = p.active_organization_id
    join public.organizations o on o.id = m.organization_id
   where p.id = v_user_id
     and m.status = 'active'
     and o.status = 'active';

  if v_organization_id is not null then
    v_claims := v_claims || jsonb_build_object(
      'organization_id', v_organization_id,
      'org_role', v_role
    );
  end if;

  if exists (select 1 from public.platform_admins pa where pa.user_id = v_user_id) then
    v_claims := v_claims || jsonb_build_object('is_platform_admin', true);
  end if;

  if private.aal2_required(v_user_id) then
    v_claims := v_claims || jsonb_build_object('two_factor_required', true);
  end if;

  return jsonb_set(event, '{claims}', v_claims);
end;
$$;

comment on function public.custom_access_token_hook(jsonb) is
  'Auth hook: adds organization_id/org_role for the active membership (active org only), is_platform_admin and two_factor_required. Executable by supabase_auth_admin only.';

revoke execute on function public.custom_access_token_hook(jsonb) from public, anon, authenticated, service_role;
grant execute on function public.custom_access_token_hook(jsonb) to supabase_auth_admin;
-- the hook asks private.aal2_required (granted to supabase_auth_admin in the tenancy migration)
grant usage on schema private to supabase_auth_admin;
