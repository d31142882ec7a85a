-- Follow-up to 20261124400000_create_invitations.sql (advisors): the invitee branch of the select
-- policy evaluates auth.jwt() once per statement, and the lone e-mail index (never used: lookups go
-- through the (organization_id, email) pending index) is dropped.

drop index public.invitations_email_idx;

drop policy invitations_select on public.invitations;

-- Admins of the live active clinic see its invitations; an invitee sees the invitations sent to
-- their own (Auth-verified) e-mail address, in any clinic, to accept them.
create policy invitations_select on public.invitations
  for select to authenticated
  using (
    (organization_id = (select private.current_org_id()) and (select private.is_org_admin()))
    or email = lower((select auth.jwt()) ->> 'email')
  );
