-- Shared pieces of the clinical schema (issue 5): the per-clinic counters behind medical record
-- numbers, the name normalization behind patient search, the clinical role sets policies use, and
-- the "acting staff member must belong to this clinic" trigger.

create extension if not exists unaccent with schema extensions;

-- Per-clinic counters ------------------------------------------------------------------------------
-- One row per (organization, counter). Numbers are taken with a single
-- `insert ... on conflict do update ... returning`, which locks the clinic's row until the inserting
-- transaction ends: concurrent inserts in one clinic queue on that row (never collide), a rolled-back
-- insert gives its number back (gapless), and clinics never share or observe each other's counter.
create table private.organization_counters (
  organization_id uuid not null references public.organizations (id) on delete cascade,
  counter text not null check (counter ~ '^[a-z][a-z0-9_]{0,30}$'),
  value bigint not null default 0 check (value >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (organization_id, counter)
);
comment on table private.organization_counters is
  'Per-clinic gapless counters (e.g. mrn). Written only by security definer triggers; not exposed.';
-- no RLS: private is not exposed and the API roles hold no privilege on it (only definer code writes it)
revoke all on table private.organization_counters from public, anon, authenticated;

create trigger organization_counters_set_timestamps
  before insert or update on private.organization_counters
  for each row execute function private.set_timestamps();

create or replace function private.next_counter_value(p_organization_id uuid, p_counter text)
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_value bigint;
begin
  insert into private.organization_counters as c (organization_id, counter, value)
  values (p_organization_id, p_counter, 1)
  on conflict (organization_id, counter) do update set value = c.value + 1
  returning c.value into v_value;
  return v_value;
end;
$$;
comment on function private.next_counter_value(uuid, text) is
  'Next value of a per-clinic counter; the row stays locked until the caller''s transaction ends.';
revoke execute on function private.next_counter_value(uuid, text) from public, anon, authenticated;

-- Name normalization ----------------------------------------------------------------------------------
-- Lower case, accents removed, anything but letters and digits turned into single spaces. Patient
-- search compares this form with btree range predicates (leakproof, so usable as index conditions
-- under RLS), never with ILIKE/lower() at query time.
create or replace function private.normalize_search_text(p_text text)
returns text
language sql
stable
parallel safe
set search_path = ''
as $$
  select btrim(regexp_replace(
    lower(extensions.unaccent('extensions.unaccent'::regdictionary, coalesce(p_text, ''))),
    '[^[:alnum:]]+', ' ', 'g'
  ));
$$;
comment on function private.normalize_search_text(text) is
  'Search form of a name: lower case, unaccented, non-alphanumerics collapsed to single spaces.';
revoke execute on function private.normalize_search_text(text) from public, anon;
grant execute on function private.normalize_search_text(text) to authenticated, service_role;

-- Dates given as text (PostgreSQL 15 has no pg_input_is_valid) ---------------------------------------
create or replace function private.is_iso_date(p_text text)
returns boolean
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_text is null or p_text !~ '^\d{4}-\d{2}-\d{2}$' then
    return false;
  end if;
  perform p_text::date;
  return true;
exception when others then
  return false;
end;
$$;
comment on function private.is_iso_date(text) is 'True when p_text is a valid YYYY-MM-DD date.';
revoke execute on function private.is_iso_date(text) from public, anon;
grant execute on function private.is_iso_date(text) to authenticated, service_role;

-- Role sets -------------------------------------------------------------------------------------------
-- Policies compare `(select private.current_org_role())` with a literal role list; this helper is
-- for triggers that need the same answer.
create or replace function private.current_org_role_in(p_roles public.member_role[])
returns boolean
language sql
stable
set search_path = ''
as $$
  select coalesce(private.current_org_role() = any (p_roles), false);
$$;
comment on function private.current_org_role_in(public.member_role[]) is
  'True when the caller''s live role in the active organization is one of p_roles.';
revoke execute on function private.current_org_role_in(public.member_role[]) from public, anon;
grant execute on function private.current_org_role_in(public.member_role[]) to authenticated, service_role;

-- Staff references ------------------------------------------------------------------------------------
-- Trigger (before insert or update): each column named in the trigger arguments, when set or
-- changed, must hold the user id of an ACTIVE member of the row's organization. Security definer so
-- the membership lookup is not narrowed by the caller's RLS view.
create or replace function private.ensure_staff_members()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_column text;
  v_new jsonb := to_jsonb(new);
  v_old jsonb := case when tg_op = 'UPDATE' then to_jsonb(old) else '{}'::jsonb end;
  v_user_id uuid;
begin
  foreach v_column in array tg_argv loop
    v_user_id := (v_new ->> v_column)::uuid;
    continue when v_user_id is null or (v_old -> v_column) is not distinct from (v_new -> v_column);
    if not exists (
      select 1 from public.memberships m
       where m.organization_id = new.organization_id
         and m.user_id = v_user_id
         and m.status = 'active'
    ) then
      if v_user_id = auth.uid() then
        -- the caller writing into a clinic they do not work at: a permission problem
        raise exception '%: you are not an active member of this clinic', tg_table_name
          using errcode = '42501', detail = v_column;
      end if;
      raise exception '%.%: % is not an active member of this clinic', tg_table_name, v_column, v_user_id
        using errcode = '23503', detail = v_column,
              hint = 'Choose a staff member of the same clinic.';
    end if;
  end loop;
  return new;
end;
$$;
comment on function private.ensure_staff_members() is
  'Trigger: the user id columns named in the arguments must be active members of the row''s organization.';
revoke execute on function private.ensure_staff_members() from public, anon, authenticated;
