-- The seat check on memberships (20261124400000) runs in a BEFORE trigger, i.e. before RLS's
-- WITH CHECK. For callers who may not add members at all, it answered "no free seat" (23514)
-- instead of the authorization refusal (42501), which both leaks the clinic's seat usage to
-- outsiders and hides the real reason. Check seats only for callers the policies would admit
-- (admins of the live active clinic); everyone else reaches RLS and gets 42501.
create or replace function private.membership_seat_check()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.status = 'active'
     and (tg_op = 'INSERT' or old.status <> 'active')
     and new.organization_id = private.current_org_id()
     and private.is_org_admin() then
    perform private.ensure_seat_available(new.organization_id);
  end if;
  return new;
end;
$$;
comment on function private.membership_seat_check() is
  'Trigger (API callers only): activating a membership needs a free seat of the clinic''s plan; checked only for callers RLS would admit, so others get the authorization error.';
revoke execute on function private.membership_seat_check() from public, anon, authenticated;
