-- Staff invitations and seat limits.
--
-- A clinic admin invites a person by e-mail with a role. The app then asks Auth to mail the person
-- a sign-in link (signInWithOtp, no service-role key); once signed in, the person calls
-- public.accept_invitation(<clinic slug>) which matches their VERIFIED e-mail (auth.users, not a
-- claim the user can edit) to a pending, unexpired invitation of that clinic and creates or
-- reactivates their membership with the invited role. No bearer token is needed: the invitation
-- is bound to the e-mail address Auth has just proven the person controls.
--
-- Seats: a clinic's plan (plans.seat_limit, null = unlimited) caps active memberships plus pending,
-- unexpired invitations. The database enforces it (invitations insert, re-sending an expired
-- invitation, accepting, and API writes that activate a membership), serialized per clinic by an
-- advisory lock, with a message that says what is in use.

create type public.invitation_status as enum ('pending', 'accepted', 'revoked', 'expired');
comment on type public.invitation_status is
  'pending: sent, may be accepted until expires_at. accepted/revoked/expired: final.';

create table public.invitations (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  email text not null check (
    email = lower(btrim(email))
    and char_length(email) between 3 and 320
    and email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'
  ),
  role public.member_role not null,
  invited_by uuid references public.profiles (id) on delete set null,
  token_hash text check (token_hash ~ '^[0-9a-f]{64}$'),
  expires_at timestamptz not null default now() + interval '7 days',
  status public.invitation_status not null default 'pending',
  last_sent_at timestamptz not null default now(),
  send_count integer not null default 1 check (send_count > 0),
  accepted_by uuid references public.profiles (id) on delete set null,
  accepted_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint invitations_accepted_consistent check (
    (status = 'accepted') = (accepted_at is not null)
  )
);
comment on table public.invitations is
  'Invitations of people (by lower-case e-mail) to join a clinic with a role. At most one pending per (clinic, e-mail). Managed by the clinic''s admins; accepted through public.accept_invitation() by the signed-in invitee. Pending and unexpired invitations hold a seat.';
comment on column public.invitations.token_hash is
  'Optional SHA-256 of an out-of-band token. Acceptance does not rely on it: it is bound to the invitee''s verified e-mail.';
alter table public.invitations enable row level security;

create unique index invitations_one_pending_per_email
  on public.invitations (organization_id, email) where status = 'pending';
create index invitations_organization_id_created_at_idx
  on public.invitations (organization_id, created_at desc);
create index invitations_invited_by_idx on public.invitations (invited_by);
create index invitations_accepted_by_idx on public.invitations (accepted_by);

-- Authorization first (private.authorize_row_write): whether an address already works at the clinic
-- or is already invited, and how many seats are in use, are answered only to the clinic's admins;
-- everyone else gets RLS's refusal, as for a clinic that does not exist.
create trigger invitations_00_authorize
  before insert on public.invitations
  for each row execute function private.authorize_row_write();

create trigger invitations_set_timestamps
  before insert or update on public.invitations
  for each row execute function private.set_timestamps();

create trigger invitations_forbid_moves
  before update on public.invitations
  for each row execute function private.forbid_column_changes('organization_id', 'email', 'invited_by');

-- Seats -------------------------------------------------------------------------------------------
create function private.ensure_seat_available(p_organization_id uuid, p_exclude_invitation uuid default null)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_limit integer;
  v_plan text;
  v_active integer;
  v_pending integer;
begin
  -- one seat decision at a time per clinic, so two concurrent invitations cannot both take the last seat
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('seats:' || p_organization_id::text, 0));
  select p.seat_limit, p.name into v_limit, v_plan
    from public.organizations o join public.plans p on p.id = o.plan_id
   where o.id = p_organization_id;
  if v_limit is null then
    return;
  end if;
  select count(*) into v_active from public.memberships m
   where m.organization_id = p_organization_id and m.status = 'active';
  select count(*) into v_pending from public.invitations i
   where i.organization_id = p_organization_id and i.status = 'pending' and i.expires_at > now()
     and i.id is distinct from p_exclude_invitation;
  if v_active + v_pending >= v_limit then
    raise exception 'All % seats of the % plan are in use (% active staff, % pending invitations)',
      v_limit, v_plan, v_active, v_pending
      using errcode = '23514',
            detail = 'seat_limit',
            hint = 'Revoke a pending invitation or remove a staff member, or ask the platform to upgrade the plan.';
  end if;
end;
$$;
comment on function private.ensure_seat_available(uuid, uuid) is
  'Raises 23514 (detail seat_limit) when the clinic''s plan has no free seat: active memberships + pending unexpired invitations (optionally excluding one) >= plans.seat_limit.';
revoke execute on function private.ensure_seat_available(uuid, uuid) from public, anon;
grant execute on function private.ensure_seat_available(uuid, uuid) to authenticated;

-- Invitations: what API callers may write ------------------------------------------------------------
-- Checks that must see past the caller's RLS (staff e-mails, lapsed invitations, seats).
create function private.prepare_new_invitation(p_organization_id uuid, p_email text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if exists (
    select 1 from public.memberships m join public.profiles p on p.id = m.user_id
     where m.organization_id = p_organization_id and m.status = 'active'
       and lower(p.email) = p_email
  ) then
    raise exception '% already works at this clinic', p_email
      using errcode = '23505', detail = 'already_member';
  end if;
  -- an older invitation that ran out makes room for the new one
  update public.invitations i set status = 'expired'
   where i.organization_id = p_organization_id and i.email = p_email
     and i.status = 'pending' and i.expires_at <= now();
  if exists (
    select 1 from public.invitations i
     where i.organization_id = p_organization_id and i.email = p_email and i.status = 'pending'
  ) then
    raise exception '% already has a pending invitation', p_email
      using errcode = '23505', detail = 'already_invited', hint = 'Resend or revoke it instead.';
  end if;
  perform private.ensure_seat_available(p_organization_id);
end;
$$;
comment on function private.prepare_new_invitation(uuid, text) is
  'Before a new pending invitation: refuses current staff and a second pending invitation (marking lapsed ones expired) and checks the seat limit.';
revoke execute on function private.prepare_new_invitation(uuid, text) from public, anon;
grant execute on function private.prepare_new_invitation(uuid, text) to authenticated;

-- Not security definer on purpose: current_user tells API callers (anon/authenticated) apart from
-- trusted definer code such as accept_invitation(), which runs as its owner.
create function private.guard_invitation()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_api boolean := current_user in ('anon', 'authenticated');
begin
  if tg_op = 'INSERT' then
    new.email := lower(btrim(new.email));
    if v_api then
      new.invited_by := auth.uid();
      new.status := 'pending';
      new.expires_at := now() + interval '7 days';
      new.last_sent_at := now();
      new.send_count := 1;
      new.accepted_by := null;
      new.accepted_at := null;
      new.token_hash := null;
    end if;
    if new.status = 'pending' then
      perform private.prepare_new_invitation(new.organization_id, new.email);
    end if;
    return new;
  end if;

  -- UPDATE
  if v_api then
    if old.status <> 'pending' then
      raise exception 'This invitation is % and can no longer change', old.status
        using errcode = '42501';
    end if;
    if new.status not in ('pending', 'revoked') then
      raise exception 'Invitations are accepted by the invitee, not changed to %', new.status
        using errcode = '42501';
    end if;
    if new.accepted_by is distinct from old.accepted_by or new.accepted_at is distinct from old.accepted_at
       or new.token_hash is distinct from old.token_hash or new.send_count is distinct from old.send_count then
      raise exception 'invitations.accepted_by, accepted_at, token_hash and send_count are set by the database'
        using errcode = '42501';
    end if;
    if new.status = 'pending' and (new.expires_at is distinct from old.expires_at
                                   or new.last_sent_at is distinct from old.last_sent_at) then
      -- resending: a fresh week from now, whatever the caller sent
      new.expires_at := now() + interval '7 days';
      new.last_sent_at := now();
      new.send_count := old.send_count + 1;
      if old.expires_at <= now() then
        -- a lapsed invitation takes a seat again
        perform private.ensure_seat_available(new.organization_id, new.id);
      end if;
    elsif new.status = 'revoked' then
      new.expires_at := old.expires_at;
      new.last_sent_at := old.last_sent_at;
    end if;
  end if;
  return new;
end;
$$;
comment on function private.guard_invitation() is
  'Trigger (before insert/update of invitations): normalizes e-mail; for API callers forces invited_by, status and expiry, refuses inviting current staff or a second pending invitation, enforces the seat limit, allows only revoke and resend (fresh 7 days) of pending invitations.';
revoke execute on function private.guard_invitation() from public, anon, authenticated;

create trigger invitations_guard
  before insert or update on public.invitations
  for each row execute function private.guard_invitation();

create trigger invitations_audit after insert or update or delete on public.invitations
  for each row execute function private.audit_row_change();

-- Memberships activated through the API also need a seat (admins could otherwise add people
-- directly). Service role and maintenance (seed, tests' fixtures) are not limited here. The check runs
-- in a BEFORE trigger, i.e. before RLS's WITH CHECK: it checks seats only for callers the policies
-- would admit (admins of the live active clinic), so everyone else reaches RLS and gets 42501 rather
-- than "no free seat", which would leak the clinic's seat usage to outsiders.
create function private.membership_seat_check()
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
create trigger memberships_seat_check
  before insert or update of status on public.memberships
  for each row when (current_user in ('anon', 'authenticated'))
  execute function private.membership_seat_check();

-- Privileges and policies ------------------------------------------------------------------------------
revoke all on table public.invitations from anon, authenticated;
grant select on table public.invitations to authenticated;
grant insert (organization_id, email, role) on table public.invitations to authenticated;
grant update (status, expires_at, last_sent_at) on table public.invitations to authenticated;

-- Admins of the live active clinic see its invitations; an invitee sees the invitations sent to
-- their own (Auth-verified) e-mail address, in any clinic, to accept them.
create policy invitations_select on public.invitations
  for select to authenticated
  using (
    (organization_id = (select private.current_org_id()) and (select private.is_org_admin()))
    or email = lower((select auth.jwt()) ->> 'email')
  );

-- Admins of the live active clinic invite people to that clinic only.
create policy invitations_insert_admin on public.invitations
  for insert to authenticated
  with check (organization_id = (select private.current_org_id()) and (select private.is_org_admin()));

-- Admins of the live active clinic resend or revoke its invitations (transitions: guard trigger).
create policy invitations_update_admin on public.invitations
  for update to authenticated
  using (organization_id = (select private.current_org_id()) and (select private.is_org_admin()))
  with check (organization_id = (select private.current_org_id()) and (select private.is_org_admin()));

-- No delete policy: invitations are revoked, and kept as a record.

-- Accepting ------------------------------------------------------------------------------------------
create function private.accept_invitation(p_slug text)
returns table (organization_id uuid, role public.member_role)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
  v_email text;
  v_org public.organizations;
  v_inv public.invitations;
begin
  if v_uid is null then
    raise exception 'Sign in to accept an invitation' using errcode = '42501';
  end if;
  -- the address Auth verified, never a claim or metadata the user could edit
  select lower(u.email) into v_email from auth.users u
   where u.id = v_uid and u.email_confirmed_at is not null;
  if v_email is null then
    raise exception 'Confirm your e-mail address first' using errcode = '42501';
  end if;
  select * into v_org from public.organizations o where o.slug = lower(p_slug);
  if v_org.id is null or v_org.status <> 'active' then
    raise exception 'This clinic is not accepting staff right now' using errcode = '42501';
  end if;
  select * into v_inv from public.invitations i
   where i.organization_id = v_org.id and i.email = v_email and i.status = 'pending'
   for update;
  if v_inv.id is null then
    raise exception 'There is no pending invitation for % at %', v_email, v_org.name
      using errcode = 'P0002', detail = 'no_invitation';
  end if;
  if v_inv.expires_at <= now() then
    raise exception 'Your invitation to % has expired', v_org.name
      using errcode = 'P0002', detail = 'expired', hint = 'Ask the clinic''s administrator to send it again.';
  end if;
  if not exists (
    select 1 from public.memberships m
     where m.organization_id = v_org.id and m.user_id = v_uid and m.status = 'active'
  ) then
    perform private.ensure_seat_available(v_org.id, v_inv.id);
  end if;
  insert into public.memberships (organization_id, user_id, role, status)
  values (v_org.id, v_uid, v_inv.role, 'active')
  on conflict on constraint memberships_organization_id_user_id_key
  do update set role = excluded.role, status = 'active';
  update public.invitations
     set status = 'accepted', accepted_by = v_uid, accepted_at = now()
   where id = v_inv.id;
  -- the clinic becomes the person's active one (claims follow at the next token refresh)
  update public.profiles set active_organization_id = v_org.id where id = v_uid;
  return query select v_org.id, v_inv.role;
end;
$$;
comment on function private.accept_invitation(text) is
  'Accepts the caller''s pending, unexpired invitation to the clinic with this slug (matched on the Auth-verified e-mail): creates or reactivates the membership with the invited role and makes the clinic active.';

create function public.accept_invitation(org_slug text)
returns table (organization_id uuid, role public.member_role)
language sql
volatile
security invoker
set search_path = ''
as $$
  select * from private.accept_invitation(org_slug);
$$;
comment on function public.accept_invitation(text) is
  'RPC (signed-in invitee): accept the pending invitation to the clinic <org_slug> sent to your verified e-mail. 42501 when not signed in or the clinic is not active; P0002 when there is no pending invitation (detail no_invitation) or it has expired (detail expired); 23514 when the plan has no free seat.';

revoke execute on function private.accept_invitation(text), public.accept_invitation(text) from public, anon;
grant execute on function private.accept_invitation(text), public.accept_invitation(text) to authenticated;
