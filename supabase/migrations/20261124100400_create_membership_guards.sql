-- Rules on memberships that policies cannot express:
--   1. a row never moves to another organization or person (for every role, service role included);
--   2. nobody changes, suspends or deletes their own membership through the API (so nobody can raise
--      their own role, and an admin cannot lock a clinic out by accident);
--   3. an organization that has an active admin always keeps at least one.

-- 1. Generic guard, reusable by any table: the listed columns keep their value on update.
--    Usage: before update ... execute function private.forbid_column_changes('organization_id', ...)
create or replace function private.forbid_column_changes()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_column text;
  v_old jsonb := to_jsonb(old);
  v_new jsonb := to_jsonb(new);
begin
  foreach v_column in array tg_argv loop
    if v_old -> v_column is distinct from v_new -> v_column then
      raise exception '%.% cannot be changed', tg_table_name, v_column
        using errcode = '42501',
              hint = 'Delete the row and create a new one instead.';
    end if;
  end loop;
  return new;
end;
$$;
comment on function private.forbid_column_changes() is
  'Trigger (before update): refuses any change to the columns named in the trigger arguments.';
revoke execute on function private.forbid_column_changes() from public, anon, authenticated;

create trigger memberships_forbid_moves
  before update on public.memberships
  for each row execute function private.forbid_column_changes('organization_id', 'user_id');

create trigger organization_domains_forbid_moves
  before update on public.organization_domains
  for each row execute function private.forbid_column_changes('organization_id');

-- 2. Not security definer on purpose: current_user is the API role for direct requests, while
--    trusted security definer functions (which check the caller themselves, e.g. accepting an
--    invitation) run as their owner and are not blocked.
create or replace function private.guard_own_membership()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if current_user in ('anon', 'authenticated') and old.user_id = (select auth.uid()) then
    if tg_op = 'DELETE' then
      raise exception 'You cannot remove your own membership'
        using errcode = '42501', hint = 'Ask another admin of the organization.';
    elsif new.role is distinct from old.role or new.status is distinct from old.status then
      raise exception 'You cannot change your own role or membership status'
        using errcode = '42501', hint = 'Ask another admin of the organization.';
    end if;
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  return new;
end;
$$;
comment on function private.guard_own_membership() is
  'Trigger: API callers cannot update or delete their own membership (no self-promotion, no self-lockout).';
revoke execute on function private.guard_own_membership() from public, anon, authenticated;

create trigger memberships_guard_own
  before update or delete on public.memberships
  for each row execute function private.guard_own_membership();

-- 3. Security definer so the count is never narrowed by the caller's RLS view. Deferrable: a
--    transaction may swap admins with `set constraints memberships_keep_one_admin deferred`.
create or replace function private.ensure_organization_keeps_admin()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if old.role = 'admin' and old.status = 'active'
     and (tg_op = 'DELETE' or new.role <> 'admin' or new.status <> 'active')
     -- the organization itself being deleted takes its memberships with it
     and exists (select 1 from public.organizations o where o.id = old.organization_id)
     and not exists (
       select 1 from public.memberships m
        where m.organization_id = old.organization_id
          and m.role = 'admin'
          and m.status = 'active'
     ) then
    raise exception 'An organization must keep at least one active admin'
      using errcode = '23514',
            hint = 'Make someone else an admin first.';
  end if;
  return null;
end;
$$;
comment on function private.ensure_organization_keeps_admin() is
  'Constraint trigger: refuses removing, demoting or deactivating the last active admin of an organization.';
revoke execute on function private.ensure_organization_keeps_admin() from public, anon, authenticated;

create constraint trigger memberships_keep_one_admin
  after update or delete on public.memberships
  deferrable initially immediate
  for each row execute function private.ensure_organization_keeps_admin();
