-- Who may do what on the tenancy tables. Privileges first (what a role can touch at all, column by
-- column where a column must never change), then one policy per operation and role.
-- anon gets nothing: pre-login branding goes through public.get_branding().
-- Platform operations (create/suspend clinics, plans, domains, platform admins) use the service
-- role from the server after it has verified the caller is a platform admin.

-- plans ---------------------------------------------------------------------------------------------
grant select on table public.plans to authenticated;

-- Any signed-in person may read the plan catalogue (names, limits, prices); nobody writes via the API.
create policy plans_select on public.plans
  for select to authenticated
  using (true);

-- organizations -------------------------------------------------------------------------------------
grant select on table public.organizations to authenticated;
-- clinic admins edit their branding; slug, type, status, suspended_reason and plan_id are platform-only
grant update (name, theme_color, logo_path, sign_in_message) on table public.organizations to authenticated;

-- Members see their live active organization; platform admins see every organization.
create policy organizations_select on public.organizations
  for select to authenticated
  using (
    id = (select private.current_org_id())
    or (select private.is_platform_admin())
  );

-- Admins of the live active organization update its settings (columns limited by the grant above).
create policy organizations_update_admin on public.organizations
  for update to authenticated
  using (id = (select private.current_org_id()) and (select private.is_org_admin()))
  with check (id = (select private.current_org_id()) and (select private.is_org_admin()));

-- organization_domains ------------------------------------------------------------------------------
grant select on table public.organization_domains to authenticated;

-- Members see their organization's custom domains; platform admins see all. Writes: service role.
create policy organization_domains_select on public.organization_domains
  for select to authenticated
  using (
    organization_id = (select private.current_org_id())
    or (select private.is_platform_admin())
  );

-- profiles ------------------------------------------------------------------------------------------
grant select on table public.profiles to authenticated;
-- email mirrors auth.users; active_organization_id changes only through switch_organization()
grant update (full_name, phone, avatar_path) on table public.profiles to authenticated;

-- Everyone sees their own profile and the profiles of colleagues in their live active organization.
create policy profiles_select on public.profiles
  for select to authenticated
  using (
    id = (select auth.uid())
    or id = any ((select private.current_org_member_ids())::uuid[])
  );

-- People edit only their own profile (name, phone, avatar).
create policy profiles_update_own on public.profiles
  for update to authenticated
  using (id = (select auth.uid()))
  with check (id = (select auth.uid()));

-- memberships ---------------------------------------------------------------------------------------
grant select, delete on table public.memberships to authenticated;
grant insert (organization_id, user_id, role, status) on table public.memberships to authenticated;
-- organization_id and user_id never change (also enforced for every role by a trigger)
grant update (role, status) on table public.memberships to authenticated;

-- Members see the memberships of their live active organization; everyone sees their own
-- memberships in any organization.
create policy memberships_select on public.memberships
  for select to authenticated
  using (
    organization_id = (select private.current_org_id())
    or user_id = (select auth.uid())
  );

-- Admins of the live active organization add memberships to that organization only.
create policy memberships_insert_admin on public.memberships
  for insert to authenticated
  with check (organization_id = (select private.current_org_id()) and (select private.is_org_admin()));

-- Admins of the live active organization change roles and statuses in that organization only
-- (never their own: see the membership guards).
create policy memberships_update_admin on public.memberships
  for update to authenticated
  using (organization_id = (select private.current_org_id()) and (select private.is_org_admin()))
  with check (organization_id = (select private.current_org_id()) and (select private.is_org_admin()));

-- Admins of the live active organization delete memberships of that organization only.
create policy memberships_delete_admin on public.memberships
  for delete to authenticated
  using (organization_id = (select private.current_org_id()) and (select private.is_org_admin()));

-- platform_admins -----------------------------------------------------------------------------------
grant select on table public.platform_admins to authenticated;

-- A person sees whether they are a platform admin; platform admins see the whole list.
create policy platform_admins_select on public.platform_admins
  for select to authenticated
  using (user_id = (select auth.uid()) or (select private.is_platform_admin()));

-- The custom access token hook runs as supabase_auth_admin ----------------------------------------
grant usage on schema public to supabase_auth_admin;
grant select on table
  public.organizations, public.memberships, public.profiles, public.platform_admins
to supabase_auth_admin;

-- Auth reads organizations to omit claims for suspended clinics.
create policy organizations_select_auth_admin on public.organizations
  for select to supabase_auth_admin
  using (true);

-- Auth reads memberships to put the active membership's org and role in the token.
create policy memberships_select_auth_admin on public.memberships
  for select to supabase_auth_admin
  using (true);

-- Auth reads profiles for the person's active organization.
create policy profiles_select_auth_admin on public.profiles
  for select to supabase_auth_admin
  using (true);

-- Auth reads platform_admins to add the is_platform_admin claim.
create policy platform_admins_select_auth_admin on public.platform_admins
  for select to supabase_auth_admin
  using (true);
