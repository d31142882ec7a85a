-- Moving a signed-in person from one clinic's address to another's without signing in again.
--
-- Sessions live in host-only cookies (each clinic has its own address, and browsers refuse a
-- shared cookie for `*.localhost` or across custom domains). The clinic switcher therefore hands
-- the session over: on the old host the person creates a one-time code bound to the target
-- clinic; the new host redeems it within 60 seconds for the session's refresh token and refreshes
-- into its own cookie. Codes are random, stored only as SHA-256 hashes, single use, and only for
-- a clinic where the caller has an active membership, or the clinic of their live support grant (so the
-- platform console can carry a support session to the clinic's address). The table is in the unexposed `private`
-- schema; only these two functions touch it.

create table private.session_handoffs (
  code_hash text primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  refresh_token text not null,
  expires_at timestamptz not null default now() + interval '60 seconds',
  created_at timestamptz not null default now()
);
comment on table private.session_handoffs is
  'One-time codes that carry a session from one clinic address to another (clinic switcher).';
-- No RLS: `private` is not exposed and anon/authenticated have no usage on it; only the
-- definer functions below reach this table.
revoke all on private.session_handoffs from public, anon, authenticated;
create index session_handoffs_user_id_idx on private.session_handoffs (user_id);
create index session_handoffs_organization_id_idx on private.session_handoffs (organization_id);

create function private.create_session_handoff(p_slug text, p_refresh_token text)
returns text
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_user_id uuid := auth.uid();
  v_organization_id uuid;
  v_code text := encode(extensions.gen_random_bytes(32), 'hex');
begin
  if v_user_id is null then
    raise exception 'Sign in first' using errcode = '42501';
  end if;
  if coalesce(length(p_refresh_token), 0) = 0 then
    raise exception 'A refresh token is required' using errcode = '22023';
  end if;
  select o.id into v_organization_id
    from public.organizations o
    join public.memberships m on m.organization_id = o.id
   where o.slug = p_slug
     and o.status = 'active'
     and m.user_id = v_user_id
     and m.status = 'active';
  if v_organization_id is null then
    select o.id into v_organization_id
      from public.organizations o
     where o.slug = p_slug
       and o.id = (private.active_support_grant()).organization_id;
  end if;
  if v_organization_id is null then
    raise exception 'You are not an active member of that clinic' using errcode = '42501';
  end if;
  delete from private.session_handoffs where expires_at < now();
  insert into private.session_handoffs (code_hash, user_id, organization_id, refresh_token)
  values (encode(extensions.digest(v_code, 'sha256'), 'hex'), v_user_id, v_organization_id, p_refresh_token);
  return v_code;
end;
$$;

create function private.redeem_session_handoff(p_code text, p_slug text)
returns text
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_token text;
begin
  delete from private.session_handoffs h
   using public.organizations o
   where h.code_hash = encode(extensions.digest(coalesce(p_code, ''), 'sha256'), 'hex')
     and h.expires_at >= now()
     and o.id = h.organization_id
     and o.slug = p_slug
  returning h.refresh_token into v_token;
  if v_token is null then
    raise exception 'This link has expired or was already used' using errcode = '22023';
  end if;
  return v_token;
end;
$$;

select private.add_rpc('private.create_session_handoff(text, text)',
  'RPC: a one-time code (60 s) that carries the caller''s session to the clinic with this slug, where they are an active member.');

select private.add_rpc('private.redeem_session_handoff(text, text)',
  'RPC: exchanges a handoff code for the refresh token, once, on the target clinic''s address.', '{anon,authenticated}');

revoke execute on function
  private.create_session_handoff(text, text),
  private.redeem_session_handoff(text, text)
from public;
grant execute on function private.create_session_handoff(text, text)
  to authenticated;
grant execute on function private.redeem_session_handoff(text, text)
  to anon, authenticated;
