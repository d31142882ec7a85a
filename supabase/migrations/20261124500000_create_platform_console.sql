-- Platform console (the superadmin): an append-only platform audit trail, subscriptions, invoices,
-- global settings, and the RPCs the console calls.
--
-- The console calls every RPC here with the SIGNED-IN PLATFORM ADMIN'S OWN client (never the
-- service role): each private function below is security definer and first runs
-- private.require_platform_admin(), which checks platform_admins LIVE (not the JWT claim). So
-- auth.uid() is the platform admin, and entries written to a clinic's audit_log by
-- private.write_audit carry the platform admin as actor. The service role is used by the app only
-- for Auth's admin API (inviting a clinic's first admin).

-- Who may run platform RPCs ----------------------------------------------------------------------
create function private.require_platform_admin()
returns uuid
language plpgsql stable security definer set search_path = ''
as $$
begin
  if auth.uid() is null or not private.is_platform_admin() then
    raise exception 'Only platform admins may do this' using errcode = '42501';
  end if;
  return auth.uid();
end;
$$;
comment on function private.require_platform_admin() is
  'Raises 42501 unless the caller is (live) in platform_admins; returns the caller''s user id.';
select private.grant_execute('{authenticated}', 'private.require_platform_admin()');

-- Platform audit trail ---------------------------------------------------------------------------
create table public.platform_audit_log (
  id bigint generated always as identity primary key,
  actor_id uuid,
  action text not null check (action ~ '^[a-z][a-z_.]{2,63}$'),
  -- no foreign key on purpose: the entry outlives an organization discarded during onboarding
  organization_id uuid,
  details jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
comment on table public.platform_audit_log is
  'Append-only record of every platform console action (actor = the platform admin). Readable by platform admins; written only by platform RPCs. No updated_at: rows are never updated.';
alter table public.platform_audit_log enable row level security;

create unique index platform_audit_log_organization_id_id_key
  on public.platform_audit_log (organization_id, id);

create function private.forbid_platform_audit_changes()
returns trigger
language plpgsql set search_path = ''
as $$
begin
  raise exception 'platform_audit_log is append-only' using errcode = '42501';
end;
$$;
comment on function private.forbid_platform_audit_changes() is
  'Trigger: refuses update, delete and truncate on platform_audit_log for every role.';
select private.add_trigger('platform_audit_log_append_only', 'before update or delete', 'public.platform_audit_log', 'private.forbid_platform_audit_changes()');
select private.add_trigger('platform_audit_log_no_truncate', 'before truncate', 'public.platform_audit_log', 'private.forbid_platform_audit_changes()', for_each => 'statement');

revoke all on table public.platform_audit_log from anon, authenticated;
grant select on table public.platform_audit_log to authenticated;

-- Platform admins read the platform trail; nobody writes it through the API.
create policy platform_audit_log_select_platform on public.platform_audit_log
  for select to authenticated
  using ((select private.is_platform_admin()));

-- Records one platform action; when it concerns an existing clinic, also in that clinic's
-- hash-chained audit_log (actor = the platform admin), so the clinic's trail shows it, with the
-- platform admin's display name at the time (they are not one of the clinic's members, so the
-- clinic's trail names them only as it recorded them).
create function private.platform_log(
  p_action text, p_organization_id uuid, p_details jsonb,
  p_audit_action public.audit_action default 'update', p_table_name text default 'organizations'
)
returns void
language plpgsql volatile security definer set search_path = ''
as $$
begin
  insert into public.platform_audit_log (actor_id, action, organization_id, details)
  values (auth.uid(), p_action, p_organization_id, coalesce(p_details, '{}'::jsonb));
  if p_organization_id is not null then
    perform private.write_audit(
      p_organization_id, p_audit_action, p_table_name, p_organization_id,
      jsonb_build_object('platform_action', p_action, 'platform_admin_name',
        (select nullif(btrim(pr.full_name), '') from public.profiles pr where pr.id = auth.uid()))
      || coalesce(p_details, '{}'::jsonb)
    );
  end if;
end;
$$;
comment on function private.platform_log(text, uuid, jsonb, public.audit_action, text) is
  'Internal: appends a platform_audit_log row and, for a clinic, a row in its audit_log.';
revoke execute on function private.platform_log(text, uuid, jsonb, public.audit_action, text)
  from public, anon, authenticated;

-- Subscriptions ----------------------------------------------------------------------------------
create type public.subscription_status as enum ('active', 'past_due', 'canceled');
comment on type public.subscription_status is 'Billing state of a clinic''s subscription.';

create table public.subscriptions (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  plan_id text not null references public.plans (id) on update cascade,
  status public.subscription_status not null default 'active',
  current_period_start date not null default current_date,
  current_period_end date not null default (current_date + interval '1 month')::date,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint subscriptions_organization_id_key unique (organization_id),
  constraint subscriptions_period_order check (current_period_end > current_period_start)
);
comment on table public.subscriptions is
  'One subscription per clinic: its plan (mirrored in organizations.plan_id, which the limits read), status and current billing period. Managed by the platform.';
alter table public.subscriptions enable row level security;

create unique index subscriptions_plan_id_id_key on public.subscriptions (plan_id, id);

select private.add_row_triggers('public.subscriptions');

revoke all on table public.subscriptions from anon, authenticated;
grant select on table public.subscriptions to authenticated;

-- Platform admins see every subscription; a clinic's admins see their own clinic's.
create policy subscriptions_select on public.subscriptions
  for select to authenticated
  using (
    (select private.is_platform_admin())
    or (organization_id = (select private.current_org_id()) and (select private.is_org_admin()))
  );

-- Invoices ---------------------------------------------------------------------------------------
create type public.invoice_status as enum ('open', 'paid', 'void');
comment on type public.invoice_status is 'open: issued, unpaid. paid: settled. void: cancelled.';

create table public.invoices (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  subscription_id uuid not null references public.subscriptions (id) on delete cascade,
  plan_id text not null references public.plans (id) on update cascade,
  period_start date not null,
  period_end date not null,
  amount_cents integer not null check (amount_cents >= 0),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  status public.invoice_status not null default 'open',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint invoices_organization_id_period_start_key unique (organization_id, period_start),
  constraint invoices_period_order check (period_end > period_start)
);
comment on table public.invoices is
  'Invoices generated from a clinic''s subscription, one per billing period (generate_invoice). Payment is outside the platform (see src/lib/server/platform/payments.ts).';
alter table public.invoices enable row level security;

create unique index invoices_subscription_id_id_key on public.invoices (subscription_id, id);
create unique index invoices_plan_id_id_key on public.invoices (plan_id, id);

select private.add_row_triggers('public.invoices',
  frozen => '{organization_id,subscription_id,plan_id,period_start,period_end,amount_cents,currency}');

revoke all on table public.invoices from anon, authenticated;
grant select on table public.invoices to authenticated;

-- Platform admins see every invoice; a clinic's admins see their own clinic's billing history.
create policy invoices_select on public.invoices
  for select to authenticated
  using (
    (select private.is_platform_admin())
    or (organization_id = (select private.current_org_id()) and (select private.is_org_admin()))
  );

-- Global settings ---------------------------------------------------------------------------------
create table public.platform_settings (
  id boolean primary key default true check (id),
  maintenance_banner text check (char_length(maintenance_banner) <= 500),
  session_idle_timeout_minutes integer not null default 60
    check (session_idle_timeout_minutes between 5 and 1440),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.platform_settings is
  'The platform''s global settings (one row): maintenance banner shown on every page, session idle timeout. Public values are read through get_public_settings().';
alter table public.platform_settings enable row level security;

select private.add_row_triggers('public.platform_settings');

revoke all on table public.platform_settings from anon, authenticated;
grant select on table public.platform_settings to authenticated;

-- Platform admins read the settings row (everyone else uses get_public_settings()).
create policy platform_settings_select_platform on public.platform_settings
  for select to authenticated
  using ((select private.is_platform_admin()));

insert into public.platform_settings (id) values (true) on conflict (id) do nothing;

create function private.public_settings()
returns table (maintenance_banner text, session_idle_timeout_minutes integer)
language sql stable security definer set search_path = ''
as $$
  select nullif(btrim(s.maintenance_banner), ''), s.session_idle_timeout_minutes
    from public.platform_settings s
   where s.id;
$$;
comment on function private.public_settings() is
  'The settings every page needs (banner, idle timeout); nothing else of platform_settings.';

create function public.get_public_settings()
returns table (maintenance_banner text, session_idle_timeout_minutes integer)
language sql stable security invoker set search_path = ''
as $$
  select * from private.public_settings();
$$;
comment on function public.get_public_settings() is
  'RPC (anon allowed): the maintenance banner and the session idle timeout in minutes.';

select private.grant_execute('{anon,authenticated,service_role}',
  'private.public_settings()',
  'public.get_public_settings()');

create function private.platform_update_settings(
  p_maintenance_banner text, p_session_idle_timeout_minutes integer
)
returns void
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_old public.platform_settings;
begin
  perform private.require_platform_admin();
  select * into v_old from public.platform_settings where id;
  update public.platform_settings
     set maintenance_banner = nullif(btrim(p_maintenance_banner), ''),
         session_idle_timeout_minutes = p_session_idle_timeout_minutes
   where id;
  perform private.platform_log('settings.update', null, jsonb_build_object(
    'old', jsonb_build_object('maintenance_banner', v_old.maintenance_banner,
                              'session_idle_timeout_minutes', v_old.session_idle_timeout_minutes),
    'new', jsonb_build_object('maintenance_banner', nullif(btrim(p_maintenance_banner), ''),
                              'session_idle_timeout_minutes', p_session_idle_timeout_minutes)));
end;
$$;
comment on function private.platform_update_settings(text, integer) is
  'Platform admins: sets the maintenance banner (empty = none) and the session idle timeout.';

-- Clinics: list, detail, activity -----------------------------------------------------------------
create function private.platform_clinics(
  p_search text default '', p_organization_id uuid default null, p_page_size integer default 25,
  p_page_offset integer default 0
)
returns table (
  id uuid, slug text, name text, type public.organization_type,
  status public.organization_status, suspended_reason text, plan_id text, plan_name text,
  staff_count bigint, patient_count bigint, storage_bytes bigint, created_at timestamptz,
  total_count bigint
)
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_pattern text := '%' || replace(replace(replace(lower(btrim(coalesce(p_search, ''))), '\', '\\'), '%', '\%'), '_', '\_') || '%';
begin
  perform private.require_platform_admin();
  return query
    with matching as (
      select o.*
        from public.organizations o
       where (p_organization_id is null or o.id = p_organization_id)
         and (lower(o.name) like v_pattern or o.slug like v_pattern)
    )
    select o.id, o.slug, o.name, o.type, o.status, o.suspended_reason, o.plan_id, p.name,
           (select count(*) from public.memberships m
             where m.organization_id = o.id and m.status in ('active', 'invited')),
           (select count(*) from public.patients pt where pt.organization_id = o.id),
           coalesce((select sum(coalesce((so.metadata ->> 'size')::bigint, 0))
                       from storage.objects so
                      where so.name like o.id::text || '/%'
                         or (so.bucket_id = 'branding' and so.name like o.slug || '/%')), 0)::bigint,
           o.created_at,
           count(*) over ()
      from matching o
      join public.plans p on p.id = o.plan_id
     order by lower(o.name), o.id
     limit greatest(1, least(coalesce(p_page_size, 25), 100))
    offset greatest(0, coalesce(p_page_offset, 0));
end;
$$;
comment on function private.platform_clinics(text, uuid, integer, integer) is
  'Platform admins: clinics matching a name/slug search (or one id), with plan, staff count (active and invited), patient count and storage bytes (under <id>/ in every bucket, and its logos under <slug>/ in branding); paged, with the total.';

create function private.platform_clinic_activity(p_organization_id uuid, p_max_rows integer default 20)
returns table (
  id bigint, created_at timestamptz, action public.audit_action, table_name text, row_id uuid,
  actor_email text, platform_action text
)
language plpgsql stable security definer set search_path = ''
as $$
begin
  perform private.require_platform_admin();
  return query
    select a.id, a.created_at, a.action, a.table_name, a.row_id, pr.email,
           a.changes ->> 'platform_action'
      from public.audit_log a
      left join public.profiles pr on pr.id = a.actor_id
     where a.organization_id = p_organization_id
     order by a.id desc
     limit greatest(1, least(coalesce(p_max_rows, 20), 200));
end;
$$;
comment on function private.platform_clinic_activity(uuid, integer) is
  'Platform admins: a clinic''s most recent audit entries (what, which table, who), without the changed values.';

-- Onboarding ---------------------------------------------------------------------------------------
-- One transaction: organization, custom domain, subscription and, when the first admin already has
-- an account, their membership. Domain errors name the form field in HINT (slug, domain, plan_id).
create function private.platform_create_clinic(
  p_name text, p_type public.organization_type, p_slug text, p_domain text, p_plan_id text,
  p_admin_email text, p_time_zone text default 'UTC'
)
returns table (organization_id uuid, admin_user_id uuid)
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_org uuid;
  v_user uuid;
  v_constraint text;
  v_slug text := lower(btrim(p_slug));
  v_domain text := nullif(lower(btrim(coalesce(p_domain, ''))), '');
begin
  perform private.require_platform_admin();
  if not exists (select 1 from public.plans p where p.id = p_plan_id) then
    raise exception 'Choose an existing plan.' using errcode = '23503', hint = 'plan_id';
  end if;
  begin
    insert into public.organizations (name, type, slug, plan_id, time_zone)
    values (btrim(p_name), p_type, v_slug, p_plan_id, coalesce(p_time_zone, 'UTC'))
    returning id into v_org;
  exception
    when unique_violation then
      raise exception 'The address "%" is already taken by another clinic.', v_slug
        using errcode = '23505', hint = 'slug';
    when check_violation then
      get stacked diagnostics v_constraint = constraint_name;
      if v_constraint = 'organizations_slug_not_reserved' then
        raise exception 'The address "%" is reserved for the platform. Choose another.', v_slug
          using errcode = '23514', hint = 'slug';
      elsif v_constraint = 'organizations_slug_format' then
        raise exception 'Use 3-63 lowercase letters, digits and single hyphens, not at either end.'
          using errcode = '23514', hint = 'slug';
      elsif v_constraint = 'organizations_time_zone_valid' then
        raise exception 'Choose a time zone from the list (e.g. Europe/London).'
          using errcode = '23514', hint = 'time_zone';
      end if;
      raise;
  end;
  if v_domain is not null then
    begin
      insert into public.organization_domains (organization_id, domain) values (v_org, v_domain);
    exception
      when unique_violation then
        raise exception 'The domain "%" is already used by another clinic.', v_domain
          using errcode = '23505', hint = 'domain';
      when check_violation then
        raise exception 'Enter a domain name such as clinic.example.com.'
          using errcode = '23514', hint = 'domain';
    end;
  end if;
  insert into public.subscriptions (organization_id, plan_id) values (v_org, p_plan_id);

  -- only an account whose address Auth has confirmed (possession): an unconfirmed one proves nothing
  -- (anyone may have signed up with the address), so that person is invited by e-mail instead
  select u.id into v_user from auth.users u
   where lower(u.email) = lower(btrim(p_admin_email)) and u.email_confirmed_at is not null;
  if v_user is not null then
    insert into public.memberships (organization_id, user_id, role, status)
    values (v_org, v_user, 'admin', 'active');
  end if;

  perform private.platform_log('clinic.create', v_org, jsonb_build_object(
    'slug', v_slug, 'name', btrim(p_name), 'type', p_type, 'domain', v_domain, 'plan_id', p_plan_id,
    'time_zone', coalesce(p_time_zone, 'UTC'), 'admin_email', lower(btrim(p_admin_email)),
    'admin_existing', v_user is not null
  ), 'insert');
  return query select v_org, v_user;
end;
$$;
comment on function private.platform_create_clinic(text, public.organization_type, text, text, text, text, text) is
  'Platform admins: creates a clinic (organization with its time zone, optional custom domain, subscription) in one transaction; if the first admin already has an account, also their admin membership. Returns the ids (admin_user_id null = invite them).';

-- After Auth has invited a new person: their admin membership in the new clinic (which must have
-- no members yet, so this cannot be used to slip someone into an existing clinic).
create function private.platform_attach_first_admin(p_organization_id uuid, p_user_id uuid)
returns void
language plpgsql volatile security definer set search_path = ''
as $$
begin
  perform private.require_platform_admin();
  if exists (select 1 from public.memberships m where m.organization_id = p_organization_id) then
    raise exception 'This clinic already has members' using errcode = '42501';
  end if;
  insert into public.memberships (organization_id, user_id, role, status)
  values (p_organization_id, p_user_id, 'admin', 'active');
end;
$$;
comment on function private.platform_attach_first_admin(uuid, uuid) is
  'Platform admins: makes an invited person the first admin of a clinic that has no members yet.';

-- Compensation when onboarding fails after the database part (the Auth invite was refused).
create function private.platform_discard_clinic(p_organization_id uuid, p_reason text)
returns void
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_slug text;
begin
  perform private.require_platform_admin();
  select o.slug into v_slug from public.organizations o
   where o.id = p_organization_id
     and o.created_at > now() - interval '1 hour'
     and not exists (select 1 from public.memberships m where m.organization_id = o.id)
     and not exists (select 1 from public.patients p where p.organization_id = o.id);
  if v_slug is null then
    raise exception 'Only a clinic created within the hour, without members or patients, can be discarded'
      using errcode = '42501';
  end if;
  delete from public.organizations where id = p_organization_id;
  perform private.platform_log('clinic.discard', null, jsonb_build_object(
    'organization_id', p_organization_id, 'slug', v_slug, 'reason', p_reason));
end;
$$;
comment on function private.platform_discard_clinic(uuid, text) is
  'Platform admins: undoes an onboarding whose invite failed (new clinic, no members or patients).';

-- Suspend / reactivate -----------------------------------------------------------------------------
create function private.platform_set_clinic_status(
  p_organization_id uuid, p_status public.organization_status, p_reason text
)
returns void
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_old public.organization_status;
  v_reason text := nullif(btrim(coalesce(p_reason, '')), '');
begin
  perform private.require_platform_admin();
  select o.status into v_old from public.organizations o where o.id = p_organization_id for update;
  if v_old is null then
    raise exception 'No such clinic' using errcode = 'PT404';
  end if;
  if v_reason is null then
    raise exception 'Give a reason.' using errcode = '23514', hint = 'reason';
  end if;
  update public.organizations
     set status = p_status,
         suspended_reason = case when p_status = 'suspended' then v_reason end
   where id = p_organization_id;
  perform private.platform_log(
    case when p_status = 'suspended' then 'clinic.suspend' else 'clinic.reactivate' end,
    p_organization_id,
    jsonb_build_object('old', jsonb_build_object('status', v_old),
                       'new', jsonb_build_object('status', p_status), 'reason', v_reason));
end;
$$;
comment on function private.platform_set_clinic_status(uuid, public.organization_status, text) is
  'Platform admins: suspends (members lose access at once) or reactivates a clinic, with a reason.';

-- Plans and billing ---------------------------------------------------------------------------------
-- Prices are integers in the MINOR UNIT of the plan's currency (cents for USD, yen for JPY, fils for
-- KWD): the console converts the decimal amount people type with the currency's digits
-- (src/lib/money.ts). Limits are at least 1 or null (unlimited): plans' CHECK constraints, and the
-- RPCs below say which field is wrong (HINT = the form field).
--
-- What a clinic uses against its plan's limits, counted as the limits count it: seats are active
-- memberships plus pending, unexpired invitations (private.ensure_seat_available), patients are the
-- active (not archived) ones (private.keep_patient_places).
create function private.organization_usage(p_organization_id uuid)
returns table (active_staff bigint, pending_invitations bigint, seats_in_use bigint, active_patients bigint)
language sql stable security definer set search_path = ''
as $$
  select s.active_staff, s.pending, s.active_staff + s.pending, s.patients
    from (
      select (select count(*) from public.memberships m
               where m.organization_id = p_organization_id and m.status = 'active') as active_staff,
             (select count(*) from public.invitations i
               where i.organization_id = p_organization_id and i.status = 'pending'
                 and i.expires_at > now()) as pending,
             (select count(*) from public.patients pt
               where pt.organization_id = p_organization_id and pt.archived_at is null) as patients
    ) s;
$$;
comment on function private.organization_usage(uuid) is
  'Internal: a clinic''s seats in use (active staff + pending invitations) and active patients, as the plan limits count them.';
revoke execute on function private.organization_usage(uuid) from public, anon, authenticated;

-- "7 staff, plan allows 5 (6 active, 1 pending invitation); 1,200 active patients, plan allows
-- 1,000", or null when the usage fits the limits. `p_allows` words the limit ("plan allows").
create function private.plan_limit_excess(
  p_active_staff bigint, p_pending_invitations bigint, p_active_patients bigint,
  p_seat_limit integer, p_patient_limit integer, p_allows text default 'plan allows'
)
returns text
language plpgsql immutable set search_path = ''
as $$
declare
  v_seats bigint := p_active_staff + p_pending_invitations;
  v_parts text[] := '{}';
begin
  if p_seat_limit is not null and v_seats > p_seat_limit then
    v_parts := v_parts || format('%s staff, %s %s%s',
      to_char(v_seats, 'FM999,999,999,990'), p_allows, to_char(p_seat_limit, 'FM999,999,999,990'),
      case when p_pending_invitations > 0
        then format(' (%s active, %s pending invitation%s)', p_active_staff, p_pending_invitations,
                    case when p_pending_invitations = 1 then '' else 's' end)
        else '' end);
  end if;
  if p_patient_limit is not null and p_active_patients > p_patient_limit then
    v_parts := v_parts || format('%s active patients, %s %s',
      to_char(p_active_patients, 'FM999,999,999,990'), p_allows,
      to_char(p_patient_limit, 'FM999,999,999,990'));
  end if;
  return nullif(array_to_string(v_parts, '; '), '');
end;
$$;
comment on function private.plan_limit_excess(bigint, bigint, bigint, integer, integer, text) is
  'Internal: how a clinic''s usage (private.organization_usage) exceeds a seat and a patient limit, in words with the numbers; null when it fits.';
revoke execute on function private.plan_limit_excess(bigint, bigint, bigint, integer, integer, text)
  from public, anon, authenticated;

create function private.platform_save_plan(
  p_id text, p_name text, p_seat_limit integer, p_patient_limit integer,
  p_monthly_price_cents integer, p_currency text
)
returns void
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_existed boolean;
  v_over text;
  v_count integer;
  v_field text;
begin
  perform private.require_platform_admin();
  if p_id is null or p_id !~ '^[a-z][a-z0-9_]{1,31}$' then
    raise exception 'Use 2-32 lowercase letters, digits or underscores, starting with a letter.'
      using errcode = '23514', hint = 'id';
  end if;
  if char_length(btrim(coalesce(p_name, ''))) not between 1 and 80 then
    raise exception 'Enter a name of at most 80 characters.' using errcode = '23514', hint = 'name';
  end if;
  if p_seat_limit is not null and p_seat_limit < 1 then
    raise exception 'A seat limit must be at least 1 (leave it empty for unlimited).'
      using errcode = '23514', hint = 'seat_limit';
  end if;
  if p_patient_limit is not null and p_patient_limit < 1 then
    raise exception 'A patient limit must be at least 1 (leave it empty for unlimited).'
      using errcode = '23514', hint = 'patient_limit';
  end if;
  if p_monthly_price_cents is null or p_monthly_price_cents < 0 then
    raise exception 'A price cannot be negative.' using errcode = '23514', hint = 'monthly_price';
  end if;
  if p_currency is null or upper(p_currency) !~ '^[A-Z]{3}$' then
    raise exception 'Use a three-letter currency code such as USD.' using errcode = '23514', hint = 'currency';
  end if;
  select true into v_existed from public.plans p where p.id = p_id for update;
  v_existed := coalesce(v_existed, false);
  -- lowering a limit below what a clinic on the plan already uses is refused, with the numbers
  if v_existed then
    select count(*)::integer,
           string_agg(format('%s (%s)', t.name, t.excess), '; ' order by t.name) filter (where t.rn <= 3),
           case when bool_or(t.seats_over) then 'seat_limit' else 'patient_limit' end
      into v_count, v_over, v_field
      from (
        select o.name, x.excess, x.seats_over, row_number() over (order by o.name) as rn
          from public.organizations o
          cross join lateral private.organization_usage(o.id) u
          cross join lateral (
            select private.plan_limit_excess(u.active_staff, u.pending_invitations, u.active_patients,
                     p_seat_limit, p_patient_limit, 'the new limit allows') as excess,
                   p_seat_limit is not null and u.seats_in_use > p_seat_limit as seats_over
          ) x
         where o.plan_id = p_id and x.excess is not null
      ) t;
    if v_count > 0 then
      raise exception '%', format(
        '%s on this plan would be over the new limits: %s%s. Move %s to another plan first, or keep the higher limit.',
        case when v_count = 1 then '1 clinic' else v_count || ' clinics' end, v_over,
        case when v_count > 3 then '; …' else '' end, case when v_count = 1 then 'it' else 'them' end)
        using errcode = '23514', detail = 'plan_limits', hint = v_field;
    end if;
  end if;
  insert into public.plans (id, name, seat_limit, patient_limit, monthly_price_cents, currency)
  values (p_id, btrim(p_name), p_seat_limit, p_patient_limit, p_monthly_price_cents, upper(p_currency))
  on conflict (id) do update
    set name = excluded.name, seat_limit = excluded.seat_limit,
        patient_limit = excluded.patient_limit,
        monthly_price_cents = excluded.monthly_price_cents, currency = excluded.currency;
  perform private.platform_log(case when v_existed then 'plan.update' else 'plan.create' end, null,
    jsonb_build_object('plan_id', p_id, 'name', btrim(p_name), 'seat_limit', p_seat_limit,
      'patient_limit', p_patient_limit, 'monthly_price_cents', p_monthly_price_cents,
      'currency', upper(p_currency)));
end;
$$;
comment on function private.platform_save_plan(text, text, integer, integer, integer, text) is
  'Platform admins: creates or updates a plan (limits null = unlimited, else at least 1; price in the currency''s minor unit). Refuses (23514, detail plan_limits) limits below what a clinic on the plan already uses. HINT names the form field.';

-- The plan new organizations get by default (organizations.plan_id's column default) can never be
-- deleted: every onboarding without an explicit plan, and every seed, needs it.
create function private.platform_delete_plan(p_id text)
returns void
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_clinics integer;
  v_names text;
  v_invoices integer;
begin
  perform private.require_platform_admin();
  perform 1 from public.plans p where p.id = p_id for update;
  if not found then
    raise exception 'No such plan' using errcode = 'PT404', hint = 'id';
  end if;
  if exists (
    select 1 from information_schema.columns c
     where c.table_schema = 'public' and c.table_name = 'organizations' and c.column_name = 'plan_id'
       and c.column_default = pg_catalog.quote_literal(p_id) || '::text'
  ) then
    raise exception 'This is the default plan of new clinics; it cannot be deleted.'
      using errcode = '23503', hint = 'id';
  end if;
  select count(*)::integer, string_agg(o.name, ', ' order by o.name) filter (where o.rn <= 3)
    into v_clinics, v_names
    from (select o.name, row_number() over (order by o.name) as rn
            from public.organizations o where o.plan_id = p_id) o;
  if v_clinics > 0 then
    raise exception '%', format('This plan is used by %s (%s%s); move %s to another plan first.',
      case when v_clinics = 1 then '1 clinic' else v_clinics || ' clinics' end, v_names,
      case when v_clinics > 3 then ', …' else '' end, case when v_clinics = 1 then 'it' else 'them' end)
      using errcode = '23503', detail = 'plan_in_use', hint = 'id';
  end if;
  select count(*)::integer into v_invoices from public.invoices i where i.plan_id = p_id;
  if v_invoices > 0 or exists (select 1 from public.subscriptions s where s.plan_id = p_id) then
    raise exception 'This plan is on % of the billing history; it stays so those invoices keep their plan.',
      case when v_invoices = 1 then '1 invoice' else v_invoices || ' invoices' end
      using errcode = '23503', detail = 'plan_in_use', hint = 'id';
  end if;
  delete from public.plans where id = p_id;
  perform private.platform_log('plan.delete', null, jsonb_build_object('plan_id', p_id));
end;
$$;
comment on function private.platform_delete_plan(text) is
  'Platform admins: deletes a plan that is not the default and that no clinic, subscription or invoice uses (23503 naming the clinics otherwise; PT404 for an unknown plan).';

-- Moving a clinic to a plan whose limits it already exceeds is refused with the numbers (23514,
-- detail plan_limits), unless the platform admin gives a reason to go over them (10-500
-- characters): then the move is made and the override, the reason and the numbers are recorded in
-- both trails. The clinic then cannot add staff or patients until it is back under the limits.
-- The usage is counted under the same locks the limits are enforced with (the clinic's seat lock,
-- its active-patient counter row), so no invitation or registration slips in between.
create function private.platform_change_plan(
  p_organization_id uuid, p_plan_id text, p_override_reason text default null
)
returns void
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_old text;
  v_clinic text;
  v_plan public.plans;
  v_old_name text;
  v_usage record;
  v_excess text;
  v_reason text := nullif(btrim(coalesce(p_override_reason, '')), '');
  v_override jsonb;
begin
  perform private.require_platform_admin();
  select o.plan_id, o.name into v_old, v_clinic
    from public.organizations o where o.id = p_organization_id for update;
  if v_old is null then
    raise exception 'No such clinic' using errcode = 'PT404';
  end if;
  select * into v_plan from public.plans p where p.id = p_plan_id;
  if v_plan.id is null then
    raise exception 'Choose an existing plan.' using errcode = '23503', hint = 'plan_id';
  end if;
  select p.name into v_old_name from public.plans p where p.id = v_old;

  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('seats:' || p_organization_id::text, 0));
  insert into private.organization_counters as c (organization_id, counter, value)
  values (p_organization_id, 'active_patients',
          (select count(*) from public.patients pt
            where pt.organization_id = p_organization_id and pt.archived_at is null))
  on conflict (organization_id, counter) do update set value = c.value;
  select * into v_usage from private.organization_usage(p_organization_id);
  v_excess := private.plan_limit_excess(v_usage.active_staff, v_usage.pending_invitations,
    v_usage.active_patients, v_plan.seat_limit, v_plan.patient_limit);

  if v_excess is not null then
    if v_reason is null then
      raise exception '% is over the limits of the % plan: %. Remove staff, revoke invitations or archive patients first, or change the plan anyway with a reason.',
        v_clinic, v_plan.name, v_excess
        using errcode = '23514', detail = 'plan_limits', hint = 'plan_id';
    end if;
    if char_length(v_reason) not between 10 and 500 then
      raise exception 'Say why the clinic may go over the plan''s limits (10 to 500 characters).'
        using errcode = '23514', hint = 'override_reason';
    end if;
    v_override := jsonb_build_object('reason', v_reason, 'excess', v_excess,
      'seats_in_use', v_usage.seats_in_use, 'seat_limit', v_plan.seat_limit,
      'active_patients', v_usage.active_patients, 'patient_limit', v_plan.patient_limit);
  end if;

  update public.organizations set plan_id = p_plan_id where id = p_organization_id;
  insert into public.subscriptions (organization_id, plan_id) values (p_organization_id, p_plan_id)
  on conflict (organization_id) do update set plan_id = excluded.plan_id;
  perform private.platform_log('clinic.change_plan', p_organization_id, jsonb_strip_nulls(jsonb_build_object(
    'old', jsonb_build_object('plan_id', v_old, 'plan_name', v_old_name),
    'new', jsonb_build_object('plan_id', p_plan_id, 'plan_name', v_plan.name),
    'limits_override', v_override)));
end;
$$;
comment on function private.platform_change_plan(uuid, text, text) is
  'Platform admins: moves a clinic to another plan (subscription and organizations.plan_id, which the limits read). Refused (23514, detail plan_limits) when the clinic exceeds the plan''s seat or patient limit, unless an override reason (10-500 characters) is given, which both trails record.';

-- The invoice for the subscription's current period (idempotent); a period that has ended rolls the
-- subscription forward first, so calling it once per period bills each period once.
create function private.generate_invoice(p_organization_id uuid)
returns uuid
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_sub public.subscriptions;
  v_plan public.plans;
  v_invoice uuid;
begin
  perform private.require_platform_admin();
  select * into v_sub from public.subscriptions s where s.organization_id = p_organization_id for update;
  if v_sub.id is null then
    raise exception 'This clinic has no subscription' using errcode = 'PT404';
  end if;
  if v_sub.status = 'canceled' then
    raise exception 'The subscription is canceled' using errcode = '23514';
  end if;
  while v_sub.current_period_end <= current_date loop
    update public.subscriptions
       set current_period_start = v_sub.current_period_end,
           current_period_end = (v_sub.current_period_end + interval '1 month')::date
     where id = v_sub.id
    returning * into v_sub;
  end loop;
  select i.id into v_invoice from public.invoices i
   where i.organization_id = p_organization_id and i.period_start = v_sub.current_period_start;
  if v_invoice is not null then
    return v_invoice;
  end if;
  select * into v_plan from public.plans p where p.id = v_sub.plan_id;
  insert into public.invoices (organization_id, subscription_id, plan_id, period_start, period_end,
                               amount_cents, currency)
  values (p_organization_id, v_sub.id, v_plan.id, v_sub.current_period_start, v_sub.current_period_end,
          v_plan.monthly_price_cents, v_plan.currency)
  returning id into v_invoice;
  perform private.platform_log('invoice.generate', p_organization_id, jsonb_build_object(
    'invoice_id', v_invoice, 'period_start', v_sub.current_period_start,
    'amount_cents', v_plan.monthly_price_cents, 'currency', v_plan.currency), 'insert', 'invoices');
  return v_invoice;
end;
$$;
comment on function private.generate_invoice(uuid) is
  'Platform admins: the invoice of a clinic''s current subscription period (created once, at the plan''s price).';

create function private.platform_set_invoice_status(p_invoice_id uuid, p_status public.invoice_status)
returns void
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_org uuid;
begin
  perform private.require_platform_admin();
  update public.invoices set status = p_status where id = p_invoice_id
  returning organization_id into v_org;
  if v_org is null then
    raise exception 'No such invoice' using errcode = 'PT404';
  end if;
  perform private.platform_log('invoice.' || p_status::text, v_org,
    jsonb_build_object('invoice_id', p_invoice_id), 'update', 'invoices');
end;
$$;
comment on function private.platform_set_invoice_status(uuid, public.invoice_status) is
  'Platform admins: records an invoice as paid or void (payment itself happens outside the platform).';

-- Public RPC wrappers (security invoker; the private functions check the caller) -------------------
select private.add_rpc('private.platform_clinics(text, uuid, integer, integer)',
  'RPC (platform admins): clinics with plan, staff, patients and storage used; search and paging.');

select private.add_rpc('private.platform_clinic_activity(uuid, integer)',
  'RPC (platform admins): a clinic''s recent audit activity.');

select private.add_rpc('private.platform_create_clinic(text, public.organization_type, text, text, text, text, text)',
  'RPC (platform admins): onboards a clinic in one transaction (see the private function).');

select private.add_rpc('private.platform_attach_first_admin(uuid, uuid)',
  'RPC (platform admins): the invited first admin of a new clinic.');

select private.add_rpc('private.platform_discard_clinic(uuid, text)',
  'RPC (platform admins): compensation for an onboarding whose invite failed.');

select private.add_rpc('private.platform_set_clinic_status(uuid, public.organization_status, text)',
  'RPC (platform admins): suspend or reactivate a clinic with a reason.');

select private.add_rpc('private.platform_save_plan(text, text, integer, integer, integer, text)',
  'RPC (platform admins): create or update a plan.');

select private.add_rpc('private.platform_delete_plan(text)',
  'RPC (platform admins): delete an unused plan.');

select private.add_rpc('private.platform_change_plan(uuid, text, text)',
  'RPC (platform admins): move a clinic to another plan; refused with the numbers when the clinic exceeds its limits, unless override_reason (10-500 characters) says why (recorded).');

create function public.generate_invoice(org uuid)
returns uuid
language sql volatile security invoker set search_path = ''
as $$ select private.generate_invoice(org); $$;
comment on function public.generate_invoice(uuid) is
  'RPC (platform admins): the invoice of a clinic''s current billing period (idempotent).';

select private.add_rpc('private.platform_set_invoice_status(uuid, public.invoice_status)',
  'RPC (platform admins): mark an invoice paid or void.');

select private.add_rpc('private.platform_update_settings(text, integer)',
  'RPC (platform admins): update the global settings.');

select private.grant_execute('{authenticated}',
  'private.platform_clinics(text, uuid, integer, integer)',
  'private.platform_clinic_activity(uuid, integer)',
  'private.platform_create_clinic(text, public.organization_type, text, text, text, text, text)',
  'private.platform_attach_first_admin(uuid, uuid)',
  'private.platform_discard_clinic(uuid, text)',
  'private.platform_set_clinic_status(uuid, public.organization_status, text)',
  'private.platform_save_plan(text, text, integer, integer, integer, text)',
  'private.platform_delete_plan(text)',
  'private.platform_change_plan(uuid, text, text)',
  'private.generate_invoice(uuid)',
  'public.generate_invoice(uuid)',
  'private.platform_set_invoice_status(uuid, public.invoice_status)',
  'private.platform_update_settings(text, integer)');
