-- Visits, visit notes (clinical part of a visit), lab orders and prescriptions.
-- Each references its patient through (organization_id, patient_id) → patients (organization_id, id),
-- so no row can point at another clinic's patient whoever writes it; organization_id never changes.
-- Staff ids (clinician, orderer, prescriber, resulted_by) default to the caller and must be active
-- members of the same clinic. Who may do what: docs/permissions.md.
--   visits        scheduling (receptionists included): who, when, why, status
--   visit_notes   notes and vitals, one row per visit: clinical roles only (never receptionists)

-- Types ---------------------------------------------------------------------------------------------
create type public.visit_status as enum ('scheduled', 'in_progress', 'completed', 'cancelled');
comment on type public.visit_status is 'scheduled → in_progress → completed; scheduled/in_progress → cancelled.';

create type public.lab_order_priority as enum ('routine', 'urgent', 'stat');
comment on type public.lab_order_priority is 'How soon a lab order is needed.';

create type public.lab_order_status as enum ('ordered', 'collected', 'resulted', 'cancelled');
comment on type public.lab_order_status is 'ordered → collected → resulted; ordered/collected → cancelled. resulted and cancelled are final.';

create type public.prescription_status as enum ('active', 'completed', 'stopped');
comment on type public.prescription_status is 'active → completed | stopped (stop_reason required). completed and stopped are final.';

-- Visits ----------------------------------------------------------------------------------------------
create table public.visits (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null default private.current_org_id()
    references public.organizations (id) on delete cascade,
  patient_id uuid not null,
  clinician_id uuid default auth.uid() references public.profiles (id),
  scheduled_at timestamptz not null default now(),
  started_at timestamptz,
  ended_at timestamptz,
  reason text check (char_length(reason) <= 500),
  status public.visit_status not null default 'scheduled',
  cancel_reason text check (char_length(cancel_reason) <= 500),
  created_by uuid default auth.uid() references public.profiles (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint visits_organization_id_id_key unique (organization_id, id),
  constraint visits_patient_fkey foreign key (organization_id, patient_id)
    references public.patients (organization_id, id) on delete cascade,
  constraint visits_ended_after_started check (ended_at is null or started_at is null or ended_at >= started_at)
);
comment on table public.visits is
  'Scheduled and past encounters of a patient with a clinician (scheduling data only; notes and vitals live in visit_notes). Cancelled rather than deleted.';
alter table public.visits enable row level security;

create index visits_organization_id_patient_id_scheduled_at_idx
  on public.visits (organization_id, patient_id, scheduled_at desc);
create index visits_organization_id_scheduled_at_idx on public.visits (organization_id, scheduled_at desc);
create index visits_clinician_id_idx on public.visits (clinician_id);
create index visits_created_by_idx on public.visits (created_by);

-- Visit notes -----------------------------------------------------------------------------------------
create table public.visit_notes (
  visit_id uuid not null,
  organization_id uuid not null default private.current_org_id()
    references public.organizations (id) on delete cascade,
  notes text check (char_length(notes) <= 20000),
  vitals jsonb not null default '{}'::jsonb,
  author_id uuid default auth.uid() references public.profiles (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- keyed within the clinic: a key on visit_id alone would answer another clinic's visit id with
  -- "duplicate key" (it has notes) instead of the foreign key's "not present" (a side channel)
  constraint visit_notes_pkey primary key (organization_id, visit_id),
  constraint visit_notes_visit_fkey foreign key (organization_id, visit_id)
    references public.visits (organization_id, id) on delete cascade
);
comment on table public.visit_notes is
  'Clinical part of a visit (one row per visit): notes and vitals. Readable by admins, doctors and nurses only; written by doctors and nurses.';
comment on column public.visit_notes.vitals is
  'Object with optional numbers: heart_rate (20-250 /min), bp_systolic (50-260 mmHg), bp_diastolic (20-160 mmHg), temperature_c (30-45), resp_rate (4-80 /min), spo2 (50-100 %), weight_kg (0.2-500), height_cm (20-260). Checked by trigger.';
alter table public.visit_notes enable row level security;
create index visit_notes_author_id_idx on public.visit_notes (author_id);

-- Lab orders ------------------------------------------------------------------------------------------
create table public.lab_orders (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null default private.current_org_id()
    references public.organizations (id) on delete cascade,
  patient_id uuid not null,
  visit_id uuid,
  ordered_by uuid default auth.uid() references public.profiles (id),
  test_code text not null check (test_code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$'),
  test_name text not null check (char_length(btrim(test_name)) between 1 and 200),
  priority public.lab_order_priority not null default 'routine',
  status public.lab_order_status not null default 'ordered',
  clinical_notes text check (char_length(clinical_notes) <= 2000),
  collected_at timestamptz,
  collected_by uuid references public.profiles (id),
  result_value text check (char_length(result_value) <= 2000),
  result_unit text check (char_length(result_unit) <= 50),
  reference_range text check (char_length(reference_range) <= 100),
  result_notes text check (char_length(result_notes) <= 2000),
  resulted_by uuid references public.profiles (id),
  resulted_at timestamptz,
  cancel_reason text check (char_length(cancel_reason) <= 500),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint lab_orders_organization_id_id_key unique (organization_id, id),
  constraint lab_orders_patient_fkey foreign key (organization_id, patient_id)
    references public.patients (organization_id, id) on delete cascade,
  constraint lab_orders_visit_fkey foreign key (organization_id, visit_id)
    references public.visits (organization_id, id) on delete set null (visit_id),
  constraint lab_orders_resulted_has_result check (
    status <> 'resulted' or (result_value is not null and resulted_at is not null)
  )
);
comment on table public.lab_orders is
  'Laboratory tests ordered for a patient. Status only moves ordered → collected → resulted, or to cancelled (trigger-enforced); results are recorded by lab technicians (or doctors).';
alter table public.lab_orders enable row level security;

create index lab_orders_organization_id_patient_id_created_at_idx
  on public.lab_orders (organization_id, patient_id, created_at desc);
create index lab_orders_organization_id_status_created_at_idx
  on public.lab_orders (organization_id, status, created_at);
create index lab_orders_organization_id_visit_id_idx on public.lab_orders (organization_id, visit_id);
create index lab_orders_ordered_by_idx on public.lab_orders (ordered_by);
create index lab_orders_collected_by_idx on public.lab_orders (collected_by);
create index lab_orders_resulted_by_idx on public.lab_orders (resulted_by);

-- Prescriptions ---------------------------------------------------------------------------------------
create table public.prescriptions (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null default private.current_org_id()
    references public.organizations (id) on delete cascade,
  patient_id uuid not null,
  visit_id uuid,
  prescriber_id uuid default auth.uid() references public.profiles (id),
  medication text not null check (char_length(btrim(medication)) between 1 and 200),
  dose text not null check (char_length(btrim(dose)) between 1 and 100),
  route text not null default 'oral' check (char_length(btrim(route)) between 1 and 50),
  frequency text not null check (char_length(btrim(frequency)) between 1 and 100),
  duration_days integer check (duration_days between 1 and 3650),
  quantity text check (char_length(quantity) <= 100),
  refills integer not null default 0 check (refills between 0 and 24),
  instructions text check (char_length(instructions) <= 2000),
  status public.prescription_status not null default 'active',
  stop_reason text check (char_length(stop_reason) <= 500),
  completed_at timestamptz,
  completed_by uuid references public.profiles (id),
  stopped_at timestamptz,
  stopped_by uuid references public.profiles (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint prescriptions_organization_id_id_key unique (organization_id, id),
  constraint prescriptions_patient_fkey foreign key (organization_id, patient_id)
    references public.patients (organization_id, id) on delete cascade,
  constraint prescriptions_visit_fkey foreign key (organization_id, visit_id)
    references public.visits (organization_id, id) on delete set null (visit_id),
  constraint prescriptions_duration_or_quantity check (duration_days is not null or quantity is not null),
  constraint prescriptions_stop_reason_when_stopped check (
    (status = 'stopped') = (stop_reason is not null and btrim(stop_reason) <> '')
  )
);
comment on table public.prescriptions is
  'Medication orders. Prescribed by doctors; pharmacists complete them (dispensed); a doctor stops one with a stop_reason. active → completed | stopped, final after that.';
alter table public.prescriptions enable row level security;

create index prescriptions_organization_id_patient_id_created_at_idx
  on public.prescriptions (organization_id, patient_id, created_at desc);
create index prescriptions_organization_id_status_created_at_idx
  on public.prescriptions (organization_id, status, created_at);
create index prescriptions_organization_id_visit_id_idx on public.prescriptions (organization_id, visit_id);
create index prescriptions_prescriber_id_idx on public.prescriptions (prescriber_id);
create index prescriptions_completed_by_idx on public.prescriptions (completed_by);
create index prescriptions_stopped_by_idx on public.prescriptions (stopped_by);

-- Staff references ------------------------------------------------------------------------------------
-- Trigger (before insert or update): each column named in the trigger arguments, when set or
-- changed, must hold the user id of an ACTIVE member of the row's organization. Security definer so
-- the membership lookup is not narrowed by the caller's RLS view.
create function private.ensure_staff_members()
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

-- Shared triggers -------------------------------------------------------------------------------------
-- Authorization first (private.authorize_row_write): the staff, status and vitals checks below answer
-- only callers the table's INSERT policy admits; everyone else gets RLS's refusal.
create trigger visits_00_authorize before insert on public.visits
  for each row execute function private.authorize_row_write();
create trigger visit_notes_00_authorize before insert on public.visit_notes
  for each row execute function private.authorize_row_write();
create trigger lab_orders_00_authorize before insert on public.lab_orders
  for each row execute function private.authorize_row_write();
create trigger prescriptions_00_authorize before insert on public.prescriptions
  for each row execute function private.authorize_row_write();

create trigger visits_set_timestamps before insert or update on public.visits
  for each row execute function private.set_timestamps();
create trigger visit_notes_set_timestamps before insert or update on public.visit_notes
  for each row execute function private.set_timestamps();
create trigger lab_orders_set_timestamps before insert or update on public.lab_orders
  for each row execute function private.set_timestamps();
create trigger prescriptions_set_timestamps before insert or update on public.prescriptions
  for each row execute function private.set_timestamps();

create trigger visits_forbid_moves before update on public.visits
  for each row execute function private.forbid_column_changes('organization_id', 'patient_id', 'created_by');
create trigger visit_notes_forbid_moves before update on public.visit_notes
  for each row execute function private.forbid_column_changes('organization_id', 'visit_id');
create trigger lab_orders_forbid_moves before update on public.lab_orders
  for each row execute function private.forbid_column_changes('organization_id', 'patient_id', 'ordered_by');
create trigger prescriptions_forbid_moves before update on public.prescriptions
  for each row execute function private.forbid_column_changes('organization_id', 'patient_id', 'prescriber_id');

create trigger visits_staff_members before insert or update on public.visits
  for each row execute function private.ensure_staff_members('clinician_id', 'created_by');
create trigger visit_notes_staff_members before insert or update on public.visit_notes
  for each row execute function private.ensure_staff_members('author_id');
create trigger lab_orders_staff_members before insert or update on public.lab_orders
  for each row execute function private.ensure_staff_members('ordered_by', 'collected_by', 'resulted_by');
create trigger prescriptions_staff_members before insert or update on public.prescriptions
  for each row execute function private.ensure_staff_members('prescriber_id', 'completed_by', 'stopped_by');

-- Visits: creator is the caller; status moves forward only: scheduled → in_progress → completed,
-- scheduled → completed (recording a visit after the fact), scheduled | in_progress → cancelled, with
-- a non-blank cancel_reason (23514, DETAIL cancel_reason), which a visit that is not cancelled never
-- has; completed and cancelled are final. started_at / ended_at follow the status.
create function private.guard_visit()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    new.created_by := coalesce(auth.uid(), new.created_by);
    if new.status not in ('scheduled', 'in_progress') then
      raise exception 'visits: a new visit must be scheduled or in progress' using errcode = '23514', detail = 'status';
    end if;
  elsif new.status is distinct from old.status then
    if not (
      (old.status = 'scheduled' and new.status in ('in_progress', 'completed', 'cancelled'))
      or (old.status = 'in_progress' and new.status in ('completed', 'cancelled'))
    ) then
      raise exception 'visits: status cannot change from % to %', old.status, new.status
        using errcode = '23514', detail = 'status';
    end if;
  elsif old.status in ('completed', 'cancelled') and (
    new.scheduled_at is distinct from old.scheduled_at or new.clinician_id is distinct from old.clinician_id
  ) then
    raise exception 'visits: a % visit cannot be rescheduled', old.status using errcode = '23514', detail = 'status';
  end if;
  if new.status = 'cancelled' then
    if new.cancel_reason is null or btrim(new.cancel_reason) = '' then
      raise exception 'visits: a cancel reason is required' using errcode = '23514', detail = 'cancel_reason';
    end if;
  elsif new.cancel_reason is not null then
    raise exception 'visits: only a cancelled visit has a cancel reason' using errcode = '23514', detail = 'cancel_reason';
  end if;
  if new.status = 'in_progress' and new.started_at is null then
    new.started_at := now();
  elsif new.status = 'completed' then
    new.started_at := coalesce(new.started_at, now());
    new.ended_at := coalesce(new.ended_at, now());
  end if;
  return new;
end;
$$;
comment on function private.guard_visit() is
  'Trigger: visit status only moves scheduled → in_progress → completed (or scheduled → completed), or to cancelled with a cancel_reason; completed and cancelled are final; sets started_at/ended_at; created_by = caller.';
revoke execute on function private.guard_visit() from public, anon, authenticated;
create trigger visits_guard before insert or update on public.visits
  for each row execute function private.guard_visit();

-- Visit notes: vitals structure and ranges; the last writer is the author.
create function private.check_visit_vitals()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_key text;
  v_value jsonb;
  v_num numeric;
  v_min numeric;
  v_max numeric;
begin
  if auth.uid() is not null then
    new.author_id := auth.uid();
  end if;
  if jsonb_typeof(new.vitals) <> 'object' then
    raise exception 'vitals: must be an object' using errcode = '23514', detail = 'vitals';
  end if;
  for v_key, v_value in select * from jsonb_each(new.vitals) loop
    select r.lo, r.hi into v_min, v_max
      from (values ('heart_rate', 20, 250), ('bp_systolic', 50, 260), ('bp_diastolic', 20, 160),
                   ('temperature_c', 30, 45), ('resp_rate', 4, 80), ('spo2', 50, 100),
                   ('weight_kg', 0.2, 500), ('height_cm', 20, 260)) as r (k, lo, hi)
     where r.k = v_key;
    if not found then
      raise exception 'vitals "%": unknown measurement', v_key using errcode = '23514', detail = v_key,
        hint = 'Allowed: heart_rate, bp_systolic, bp_diastolic, temperature_c, resp_rate, spo2, weight_kg, height_cm.';
    end if;
    if jsonb_typeof(v_value) <> 'number' then
      raise exception 'vitals "%": must be a number', v_key using errcode = '23514', detail = v_key;
    end if;
    v_num := v_value::numeric;
    if v_num < v_min or v_num > v_max then
      raise exception 'vitals "%": % is outside the plausible range % to %', v_key, v_num, v_min, v_max
        using errcode = '23514', detail = v_key;
    end if;
  end loop;
  if (new.vitals ? 'bp_systolic') and (new.vitals ? 'bp_diastolic')
     and (new.vitals ->> 'bp_diastolic')::numeric >= (new.vitals ->> 'bp_systolic')::numeric then
    raise exception 'vitals "bp_diastolic": must be lower than bp_systolic' using errcode = '23514', detail = 'bp_diastolic';
  end if;
  return new;
end;
$$;
comment on function private.check_visit_vitals() is
  'Trigger: visit_notes.vitals is an object of known measurements within plausible ranges (23514, DETAIL = key); author = caller.';
revoke execute on function private.check_visit_vitals() from public, anon, authenticated;
create trigger visit_notes_check_vitals before insert or update on public.visit_notes
  for each row execute function private.check_visit_vitals();

-- Lab orders: forward-only status, who may make each move, result fields only when resulting.
create function private.guard_lab_order()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_api boolean := current_user in ('anon', 'authenticated');
  v_role public.member_role := private.current_org_role();
begin
  if tg_op = 'INSERT' then
    if new.status <> 'ordered' then
      raise exception 'lab_orders: a new order starts as ordered' using errcode = '23514', detail = 'status';
    end if;
    if v_api then
      new.ordered_by := auth.uid();
    end if;
    new.collected_at := null; new.collected_by := null;
    new.result_value := null; new.result_unit := null; new.reference_range := null;
    new.result_notes := null; new.resulted_by := null; new.resulted_at := null;
    return new;
  end if;

  if old.status in ('resulted', 'cancelled') then
    raise exception 'lab_orders: a % order cannot be changed', old.status
      using errcode = '23514', detail = 'status', hint = 'Place a new order instead.';
  end if;
  if new.status is distinct from old.status and not (
    (old.status = 'ordered' and new.status in ('collected', 'resulted', 'cancelled'))
    or (old.status = 'collected' and new.status in ('resulted', 'cancelled'))
  ) then
    raise exception 'lab_orders: status cannot change from % to %', old.status, new.status
      using errcode = '23514', detail = 'status';
  end if;

  -- only those who may order change what was ordered; lab technicians work the order
  if v_api and not (v_role = any (private.clinician_roles())) and (
    new.test_code is distinct from old.test_code or new.test_name is distinct from old.test_name
    or new.priority is distinct from old.priority or new.clinical_notes is distinct from old.clinical_notes
    or new.visit_id is distinct from old.visit_id
  ) then
    raise exception 'lab_orders: lab technicians cannot change what was ordered' using errcode = '42501';
  end if;

  if new.status = 'collected' or (new.status = 'resulted' and old.status = 'ordered') then
    new.collected_at := coalesce(old.collected_at, now());
    new.collected_by := case when v_api then coalesce(old.collected_by, auth.uid()) else coalesce(new.collected_by, old.collected_by) end;
  else
    new.collected_at := old.collected_at;
    new.collected_by := old.collected_by;
  end if;

  if new.status = 'resulted' then
    if v_api and not (v_role = any (private.lab_result_roles())) then
      raise exception 'lab_orders: only lab technicians and doctors record results' using errcode = '42501';
    end if;
    if new.result_value is null or btrim(new.result_value) = '' then
      raise exception 'lab_orders: a result value is required' using errcode = '23514', detail = 'result_value';
    end if;
    new.resulted_at := now();
    new.resulted_by := case when v_api then auth.uid() else new.resulted_by end;
  elsif (new.result_value, new.result_unit, new.reference_range, new.result_notes)
        is distinct from (old.result_value, old.result_unit, old.reference_range, old.result_notes) then
    raise exception 'lab_orders: results are recorded together with status resulted'
      using errcode = '23514', detail = 'result_value';
  else
    new.resulted_at := old.resulted_at;
    new.resulted_by := old.resulted_by;
  end if;

  if new.status = 'cancelled' and (new.cancel_reason is null or btrim(new.cancel_reason) = '') then
    raise exception 'lab_orders: a cancel reason is required' using errcode = '23514', detail = 'cancel_reason';
  end if;
  return new;
end;
$$;
comment on function private.guard_lab_order() is
  'Trigger: lab order status ordered → collected → resulted or → cancelled (final states frozen); results only with status resulted, by lab technicians or doctors; collected/resulted by and at set from the caller.';
revoke execute on function private.guard_lab_order() from public, anon, authenticated;
create trigger lab_orders_guard before insert or update on public.lab_orders
  for each row execute function private.guard_lab_order();

-- Prescriptions: forward-only status; pharmacists only complete; stop needs a reason.
create function private.guard_prescription()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_api boolean := current_user in ('anon', 'authenticated');
  v_role public.member_role := private.current_org_role();
begin
  if tg_op = 'INSERT' then
    if new.status <> 'active' then
      raise exception 'prescriptions: a new prescription starts as active' using errcode = '23514', detail = 'status';
    end if;
    if v_api then
      new.prescriber_id := auth.uid();
    end if;
    new.completed_at := null; new.completed_by := null; new.stopped_at := null; new.stopped_by := null;
    return new;
  end if;

  if old.status <> 'active' then
    raise exception 'prescriptions: a % prescription cannot be changed', old.status
      using errcode = '23514', detail = 'status', hint = 'Write a new prescription instead.';
  end if;

  -- only prescribers change what was prescribed; pharmacists (who may update) only mark it completed
  if v_api and not (v_role = any (private.prescriber_roles())) and (
    new.status <> 'completed'
    or (to_jsonb(new) - array['status', 'updated_at', 'completed_at', 'completed_by'])
       is distinct from (to_jsonb(old) - array['status', 'updated_at', 'completed_at', 'completed_by'])
  ) then
    raise exception 'prescriptions: pharmacists can only mark a prescription completed' using errcode = '42501';
  end if;

  if new.status = 'completed' then
    new.completed_at := now();
    new.completed_by := case when v_api then auth.uid() else new.completed_by end;
  elsif new.status = 'stopped' then
    new.stopped_at := now();
    new.stopped_by := case when v_api then auth.uid() else new.stopped_by end;
  else
    new.completed_at := null; new.completed_by := null; new.stopped_at := null; new.stopped_by := null;
  end if;
  return new;
end;
$$;
comment on function private.guard_prescription() is
  'Trigger: prescription status active → completed | stopped, final after that; pharmacists may only complete; completed/stopped by and at set from the caller.';
revoke execute on function private.guard_prescription() from public, anon, authenticated;
create trigger prescriptions_guard before insert or update on public.prescriptions
  for each row execute function private.guard_prescription();

-- Privileges and policies -----------------------------------------------------------------------------
-- No delete privilege on any of these tables: visits are cancelled, orders cancelled, prescriptions
-- stopped. Columns set by triggers (who/when of each step) are not writable.

-- (the platform's default privileges grant everything on new public tables: start from nothing)
revoke all on table public.visits, public.visit_notes, public.lab_orders, public.prescriptions
  from anon, authenticated;

-- visits: scheduling staff (admin, doctor, nurse, receptionist)
grant select on table public.visits to authenticated;
grant insert (organization_id, patient_id, clinician_id, scheduled_at, reason, status)
  on table public.visits to authenticated;
grant update (clinician_id, scheduled_at, started_at, ended_at, reason, status, cancel_reason)
  on table public.visits to authenticated;

-- Admins, doctors, nurses and receptionists see their clinic's visits (scheduling data only).
create policy visits_select_care_team on public.visits
  for select to authenticated
  using (organization_id = (select private.current_read_org_id_for(private.care_team_roles())));

-- Admins, doctors, nurses and receptionists book visits in their clinic.
create policy visits_insert_care_team on public.visits
  for insert to authenticated
  with check (organization_id = (select private.current_org_id_for(private.care_team_roles())));

-- Admins, doctors, nurses and receptionists reschedule, start, complete and cancel visits.
create policy visits_update_care_team on public.visits
  for update to authenticated
  using (organization_id = (select private.current_org_id_for(private.care_team_roles())))
  with check (organization_id = (select private.current_org_id_for(private.care_team_roles())));

-- visit_notes: clinical roles
grant select on table public.visit_notes to authenticated;
grant insert (visit_id, organization_id, notes, vitals) on table public.visit_notes to authenticated;
grant update (notes, vitals) on table public.visit_notes to authenticated;

-- Admins, doctors and nurses read notes and vitals of their clinic (never receptionists).
create policy visit_notes_select_clinical on public.visit_notes
  for select to authenticated
  using (organization_id = (select private.current_read_org_id_for(private.clinical_reader_roles())));

-- Doctors and nurses write notes and vitals in their clinic.
create policy visit_notes_insert_clinician on public.visit_notes
  for insert to authenticated
  with check (organization_id = (select private.current_org_id_for(private.clinician_roles())));

-- Doctors and nurses amend notes and vitals in their clinic.
create policy visit_notes_update_clinician on public.visit_notes
  for update to authenticated
  using (organization_id = (select private.current_org_id_for(private.clinician_roles())))
  with check (organization_id = (select private.current_org_id_for(private.clinician_roles())));

-- lab_orders
grant select on table public.lab_orders to authenticated;
grant insert (organization_id, patient_id, visit_id, test_code, test_name, priority, clinical_notes)
  on table public.lab_orders to authenticated;
grant update (visit_id, test_code, test_name, priority, clinical_notes, status, result_value, result_unit,
              reference_range, result_notes, cancel_reason)
  on table public.lab_orders to authenticated;

-- Admins, doctors, nurses and lab technicians see their clinic's lab orders and results.
create policy lab_orders_select_clinical on public.lab_orders
  for select to authenticated
  using (organization_id = (select private.current_read_org_id_for(private.lab_reader_roles())));

-- Doctors and nurses order tests in their clinic.
create policy lab_orders_insert_clinician on public.lab_orders
  for insert to authenticated
  with check (organization_id = (select private.current_org_id_for(private.clinician_roles())));

-- Doctors and nurses (amend, collect, cancel) and lab technicians (collect, result) work orders.
create policy lab_orders_update_clinical on public.lab_orders
  for update to authenticated
  using (organization_id = (select private.current_org_id_for(private.lab_worker_roles())))
  with check (organization_id = (select private.current_org_id_for(private.lab_worker_roles())));

-- prescriptions
grant select on table public.prescriptions to authenticated;
grant insert (organization_id, patient_id, visit_id, medication, dose, route, frequency, duration_days,
              quantity, refills, instructions)
  on table public.prescriptions to authenticated;
grant update (visit_id, medication, dose, route, frequency, duration_days, quantity, refills, instructions,
              status, stop_reason)
  on table public.prescriptions to authenticated;

-- Admins, doctors, nurses and pharmacists see their clinic's prescriptions.
create policy prescriptions_select_clinical on public.prescriptions
  for select to authenticated
  using (organization_id = (select private.current_read_org_id_for(private.prescription_reader_roles())));

-- Doctors prescribe in their clinic.
create policy prescriptions_insert_doctor on public.prescriptions
  for insert to authenticated
  with check (organization_id = (select private.current_org_id_for(private.prescriber_roles())));

-- Doctors amend, stop or complete; pharmacists complete (trigger limits them to that).
create policy prescriptions_update_prescriber_pharmacist on public.prescriptions
  for update to authenticated
  using (organization_id = (select private.current_org_id_for(private.prescription_writer_roles())))
  with check (organization_id = (select private.current_org_id_for(private.prescription_writer_roles())));

-- Booking a visit with its notes ----------------------------------------------------------------------
-- create_visit books a visit together with its notes and vitals in one call, so one transaction: when
-- the notes are refused (a receptionist, out-of-range vitals) the visit is rolled back too, instead of
-- staying behind as it would after two separate requests. It runs as the caller
-- (security invoker): the policies of visits and visit_notes, their column privileges and triggers
-- (guard_visit, check_visit_vitals, staff membership checks, audit) apply exactly as for direct
-- inserts, so it grants nothing a caller could not already do, and nothing a caller could not do
-- together. The clinician is the one chosen (clinician_id), else the caller when they are a clinician
-- (clinician_roles()), else nobody: a receptionist booking a visit is not its clinician. A visit
-- started from an appointment (appointment_id) takes the appointment's clinician and time and starts
-- in progress (trigger visits_appointment, 20261124800000_create_appointments.sql).

create function public.create_visit(
  patient_id uuid,
  scheduled_at timestamptz,
  reason text,
  notes text default null,
  vitals jsonb default null,
  clinician_id uuid default null,
  appointment_id uuid default null
)
returns uuid
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_visit_id uuid;
begin
  insert into public.visits (patient_id, scheduled_at, reason, clinician_id, appointment_id)
  values (
    create_visit.patient_id, coalesce(create_visit.scheduled_at, now()), create_visit.reason,
    coalesce(create_visit.clinician_id,
             case when private.current_org_role() = any (private.clinician_roles()) then auth.uid() end),
    create_visit.appointment_id
  )
  returning id into v_visit_id;

  if create_visit.notes is not null
     or (create_visit.vitals is not null and create_visit.vitals <> '{}'::jsonb) then
    insert into public.visit_notes (visit_id, notes, vitals)
    values (v_visit_id, create_visit.notes, coalesce(create_visit.vitals, '{}'::jsonb));
  end if;

  return v_visit_id;
end;
$$;
comment on function public.create_visit(uuid, timestamptz, text, text, jsonb, uuid, uuid) is
  'RPC: books a visit of the caller''s active clinic (clinician: the one given, else the caller if a clinician; from an appointment: its clinician, started) and, when notes or vitals are given, records them, all or nothing. Runs as the caller (RLS, column privileges and triggers apply); returns the visit id.';
revoke execute on function public.create_visit(uuid, timestamptz, text, text, jsonb, uuid, uuid) from public, anon;
grant execute on function public.create_visit(uuid, timestamptz, text, text, jsonb, uuid, uuid) to authenticated;
