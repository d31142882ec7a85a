-- Staff invitations and seat limits.
--
-- A clinic admin invites a person by e-mail with a role (and, optionally, their name). The database
-- creates the invitation together with a single-use secret (public.create_invitation): 32 random
-- bytes, returned once to the inviting server, which puts it only into the link of the invitation
-- e-mail; only its SHA-256 is stored (invitations.token_hash). Auth mails the link (a sign-in link to
-- the invited address, so opening it also proves control of that mailbox). Once signed in, the
-- person calls public.accept_invitation(<clinic slug>, <secret>, <name>): possession of the secret
-- AND the Auth-verified e-mail of the session must both match a pending, unexpired invitation of
-- that clinic. A matching address alone is never enough (someone who signs up with, or changes
-- their e-mail to, an invited address has no secret). Every refusal for want of proof is the same
-- error, whether or not the clinic or the invitation exists. The secret works once: accepting,
-- resending (a new secret) or revoking voids it.
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
  -- RFC 5321 limits (local part <= 64, whole address <= 254), the same rule as the portal's
  -- emailSchema (src/lib/schemas/email.ts): a refused address is never saved, so holds no seat
  email text not null constraint invitations_email_valid check (
    email = lower(btrim(email))
    and char_length(email) between 3 and 254
    and char_length(substring(email from '^([^@]*)@')) between 1 and 64
    and email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'
  ),
  role public.member_role not null,
  -- the invitee's name as the admin typed it (optional); the invitee confirms it when accepting
  full_name text not null default '' check (full_name = btrim(full_name) and char_length(full_name) <= 200),
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
  'Hex SHA-256 of the invitation''s single-use secret (the secret itself is never stored; it travels only in the invitation e-mail''s link). Null once accepted, or when no link was issued. Useless without the secret: accepting hashes what it is given.';
alter table public.invitations enable row level security;

create unique index invitations_one_pending_per_email
  on public.invitations (organization_id, email) where status = 'pending';
create index invitations_organization_id_created_at_idx
  on public.invitations (organization_id, created_at desc);
create index invitations_invited_by_idx on public.invitations (invited_by);
create index invitations_accepted_by_idx on public.invitations (accepted_by);
create unique index invitations_token_hash_key on public.invitations (token_hash)
  where token_hash is not null;

-- Authorization first (private.authorize_row_write): whether an address already works at the clinic
-- or is already invited, and how many seats are in use, are answered only to the clinic's admins;
-- everyone else gets RLS's refusal, as for a clinic that does not exist.
select private.add_row_triggers('public.invitations', authorize => true, frozen => '{organization_id,email}',
  audit => '{}');
-- invited_by never changes either, except to null when the inviter's account is deleted (the foreign
-- key's on delete set null), so deleting an admin who invited people still works
select private.add_trigger('invitations_forbid_inviter_changes', 'before update of invited_by', 'public.invitations', 'private.forbid_column_changes()', condition => $$new.invited_by is not null$$, arguments => '{invited_by}');

-- Seats -------------------------------------------------------------------------------------------
create function private.ensure_seat_available(p_organization_id uuid, p_exclude_invitation uuid default null)
returns void
language plpgsql volatile security definer set search_path = ''
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
select private.grant_execute('{authenticated}', 'private.ensure_seat_available(uuid, uuid)');

-- Invitations: what API callers may write ------------------------------------------------------------
-- Checks that must see past the caller's RLS (staff e-mails, lapsed invitations, seats).
create function private.prepare_new_invitation(p_organization_id uuid, p_email text)
returns void
language plpgsql volatile security definer set search_path = ''
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
select private.grant_execute('{authenticated}', 'private.prepare_new_invitation(uuid, text)');

-- Not security definer on purpose: current_user tells API callers (anon/authenticated) apart from
-- trusted definer code such as accept_invitation(), which runs as its owner.
create function private.guard_invitation()
returns trigger
language plpgsql set search_path = ''
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
select private.add_trigger('invitations_guard', 'before insert or update', 'public.invitations', 'private.guard_invitation()');

-- Memberships activated through the API also need a seat (admins could otherwise add people
-- directly). Service role and maintenance (seed, tests' fixtures) are not limited here. The check runs
-- in a BEFORE trigger, i.e. before RLS's WITH CHECK: it checks seats only for callers the policies
-- would admit (admins of the live active clinic), so everyone else reaches RLS and gets 42501 rather
-- than "no free seat", which would leak the clinic's seat usage to outsiders.
create function private.membership_seat_check()
returns trigger
language plpgsql security definer set search_path = ''
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
select private.add_trigger('memberships_seat_check', 'before insert or update of status', 'public.memberships', 'private.membership_seat_check()', condition =>$$current_user in ('anon', 'authenticated')$$);

-- Privileges and policies ------------------------------------------------------------------------------
-- Invitations are created and resent through the RPCs below, which return the secret once. The
-- stored token_hash is readable like every column (the policy decides which rows): the SHA-256 of a
-- 256-bit random secret cannot be turned back into the secret, and accepting hashes what it is given,
-- so the hash opens nothing (41-invitation-proof.test.sql).
revoke all on table public.invitations from anon, authenticated;
grant select on table public.invitations to authenticated;
grant insert (organization_id, email, role, full_name) on table public.invitations to authenticated;
grant update (status, expires_at, last_sent_at) on table public.invitations to authenticated;

-- Admins of the live active clinic see its invitations. Invitees do not read the table: a matching
-- e-mail proves nothing; the invitation's secret shows them theirs (public.invitation_by_secret).
create policy invitations_select on public.invitations
  for select to authenticated
  using (organization_id = (select private.current_org_id()) and (select private.is_org_admin()));

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

-- The secret ---------------------------------------------------------------------------------------
create function private.invitation_secret_hash(p_secret text)
returns text
language sql immutable set search_path = ''
as $$
  select pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(coalesce(p_secret, ''), 'UTF8')), 'hex');
$$;
comment on function private.invitation_secret_hash(text) is
  'Hex SHA-256 of an invitation secret: what invitations.token_hash stores.';
select private.grant_execute('{authenticated}', 'private.invitation_secret_hash(text)');

-- Issues a fresh secret for a pending invitation the caller administers (replacing, and so voiding,
-- any earlier one) and returns it: the only time the secret exists outside the e-mail.
create function private.issue_invitation_secret(p_invitation_id uuid)
returns text
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_secret text;
begin
  -- the same rule as the update policy: admins of the live active clinic, pending invitations
  if not exists (
    select 1 from public.invitations i
     where i.id = p_invitation_id and i.status = 'pending'
       and i.organization_id = private.current_org_id() and private.is_org_admin()
  ) then
    raise exception 'new row violates row-level security policy for table "invitations"'
      using errcode = '42501';
  end if;
  v_secret := pg_catalog.encode(extensions.gen_random_bytes(32), 'hex');
  update public.invitations set token_hash = private.invitation_secret_hash(v_secret)
   where id = p_invitation_id;
  return v_secret;
end;
$$;
comment on function private.issue_invitation_secret(uuid) is
  'Admins of the invitation''s live active clinic: a new single-use secret for a pending invitation (its SHA-256 replaces token_hash, voiding the previous link). Returns the secret once.';
select private.grant_execute('{authenticated}', 'private.issue_invitation_secret(uuid)');

-- Creating and resending (RPCs for the admin's server) ----------------------------------------------
-- Security invoker: the insert/update run as the calling admin, so RLS, column grants and the guard
-- trigger decide exactly as for a table write; then the secret is issued in the same transaction.
create function public.create_invitation(
  organization_id uuid,
  email text,
  role public.member_role,
  full_name text default ''
)
returns table (invitation_id uuid, secret text)
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  v_id uuid;
begin
  insert into public.invitations (organization_id, email, role, full_name)
  values (create_invitation.organization_id, create_invitation.email, create_invitation.role,
          btrim(coalesce(create_invitation.full_name, '')))
  returning id into v_id;
  return query select v_id, private.issue_invitation_secret(v_id);
end;
$$;
comment on function public.create_invitation(uuid, text, public.member_role, text) is
  'RPC (clinic admins): invite <email> with <role> (and the name the admin knows) to the active clinic; returns the invitation id and its single-use secret, to be sent only in the invitation e-mail''s link. Refusals as for an insert into invitations (42501, 23505 already_member/already_invited, 23514 seats or invalid e-mail).';

create function public.resend_invitation(invitation_id uuid)
returns table (email text, full_name text, secret text)
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  v_email text;
  v_name text;
begin
  update public.invitations i set last_sent_at = now()
   where i.id = resend_invitation.invitation_id and i.status = 'pending'
  returning i.email, i.full_name into v_email, v_name;
  if v_email is null then
    return; -- no row the caller may resend (RLS hides other clinics'): no row, as for a table update
  end if;
  return query select v_email, v_name, private.issue_invitation_secret(resend_invitation.invitation_id);
end;
$$;
comment on function public.resend_invitation(uuid) is
  'RPC (clinic admins): a fresh week and a new secret for a pending invitation (the previous link stops working; an expired one needs a free seat). No row when there is no pending invitation the caller may resend.';

select private.grant_execute('{authenticated}',
  'public.create_invitation(uuid, text, public.member_role, text)',
  'public.resend_invitation(uuid)');

-- What the secret shows ------------------------------------------------------------------------------
-- For the invitation e-mail (rendered by the portal's Send Email hook, which has no session) and the
-- accept page: possession of the secret is the authorization. Nothing when the secret matches no
-- pending, unexpired invitation of an active clinic, the same whether or not anything exists.
create function private.invitation_by_secret(p_secret text)
returns table (
  email text,
  full_name text,
  role public.member_role,
  expires_at timestamptz,
  organization_slug text,
  organization_name text,
  logo_path text,
  theme_color text,
  inviter_name text
)
language sql stable security definer set search_path = ''
as $$
  select i.email, i.full_name, i.role, i.expires_at, o.slug, o.name, o.logo_path, o.theme_color,
         nullif(p.full_name, '')
    from public.invitations i
    join public.organizations o on o.id = i.organization_id
    left join public.profiles p on p.id = i.invited_by
   where i.token_hash = private.invitation_secret_hash(p_secret)
     and coalesce(p_secret, '') <> ''
     and i.status = 'pending' and i.expires_at > now() and o.status = 'active';
$$;
comment on function private.invitation_by_secret(text) is
  'The pending, unexpired invitation (of an active clinic) whose secret this is, with the clinic''s public branding and the inviter''s name; no row otherwise.';

select private.add_rpc('private.invitation_by_secret(text)',
  'RPC (anyone holding an invitation''s secret: the invitation e-mail hook, the accept page): the pending, unexpired invitation it belongs to, with the clinic''s public branding and the inviter''s name. No row otherwise, the same whether or not anything exists.', '{anon,authenticated}');
select private.grant_execute('{anon,authenticated}', 'private.invitation_by_secret(text)');
grant execute on function private.invitation_secret_hash(text) to anon;

-- Accepting ------------------------------------------------------------------------------------------
create function private.accept_invitation(p_org_slug text, p_secret text, p_full_name text default null)
returns table (organization_id uuid, role public.member_role)
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
  v_email text;
  v_inv public.invitations;
  v_name text := btrim(coalesce(p_full_name, ''));
begin
  if v_uid is null then
    raise exception 'Sign in to accept an invitation' using errcode = '42501';
  end if;
  -- the address Auth verified, never a claim or metadata the user could edit
  select lower(u.email) into v_email from auth.users u
   where u.id = v_uid and u.email_confirmed_at is not null;
  -- Proof first: the secret of a pending, unexpired invitation of this (active) clinic, sent to this
  -- verified address. Any mismatch is one and the same refusal, whether or not anything exists.
  select i.* into v_inv
    from public.invitations i join public.organizations o on o.id = i.organization_id
   where i.token_hash = private.invitation_secret_hash(p_secret)
     and coalesce(p_secret, '') <> ''
     and o.slug = lower(coalesce(p_org_slug, '')) and o.status = 'active'
     and i.status = 'pending' and i.expires_at > now()
     and v_email is not null and i.email = v_email
   for update of i;
  if v_inv.id is null then
    raise exception 'This invitation link is not valid for your account: it may have expired, been used or replaced, or be meant for another address'
      using errcode = 'PT404', detail = 'invalid_invitation',
            hint = 'Open the newest invitation e-mail, signed in as the invited address, or ask the clinic''s administrator to send it again.';
  end if;
  -- then what the person must supply: their name (kept when their profile already has one)
  if v_name = '' then
    select p.full_name into v_name from public.profiles p where p.id = v_uid;
    v_name := btrim(coalesce(v_name, ''));
  end if;
  if v_name = '' or char_length(v_name) > 200 then
    raise exception 'Enter your name (at most 200 characters)'
      using errcode = '23514', detail = 'full_name';
  end if;
  if not exists (
    select 1 from public.memberships m
     where m.organization_id = v_inv.organization_id and m.user_id = v_uid and m.status = 'active'
  ) then
    perform private.ensure_seat_available(v_inv.organization_id, v_inv.id);
  end if;
  insert into public.memberships (organization_id, user_id, role, status)
  values (v_inv.organization_id, v_uid, v_inv.role, 'active')
  on conflict on constraint memberships_organization_id_user_id_key
  do update set role = excluded.role, status = 'active';
  -- single use: the secret's hash goes with the acceptance
  update public.invitations
     set status = 'accepted', accepted_by = v_uid, accepted_at = now(), token_hash = null
   where id = v_inv.id;
  -- the person's name, and the clinic becomes their active one (claims follow at the next refresh)
  update public.profiles set full_name = v_name, active_organization_id = v_inv.organization_id
   where id = v_uid;
  return query select v_inv.organization_id, v_inv.role;
end;
$$;
comment on function private.accept_invitation(text, text, text) is
  'Accepts the invitation whose secret the caller presents, if it is pending, unexpired, of the active clinic with this slug and sent to the caller''s Auth-verified e-mail: creates or reactivates the membership with the invited role, records the person''s name, voids the secret and makes the clinic active.';

select private.add_rpc('private.accept_invitation(text, text, text)',
  'RPC (signed-in invitee): accept the invitation to the clinic <org_slug> whose secret came in your invitation e-mail, giving your name. 42501 when not signed in; PT404 (HTTP 404, detail invalid_invitation, one message for every case) without a valid secret for your verified address at this active clinic; 23514 (detail full_name) without a name; 23514 (seat_limit) when the plan has no free seat.');

select private.grant_execute('{authenticated}',
  'private.accept_invitation(text, text, text)');
