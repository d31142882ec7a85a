-- Visits, visit notes (clinical part of a visit), lab orders and prescriptions.
-- Each references its patient through (organization_id, patient_id) → patients (organization_id, id),
-- so no row can point at another clinic's patient whoever writes it; organization_id never changes.
-- Staff ids (clinician, orderer, prescriber, resulted_by) default to the caller and must be active
-- members of the same clinic. Who may do what: docs/permissions.md.
--   visits        scheduling (receptionists included): who, when, why, status
--   visit_notes   notes and vitals, one row per visit: clinical roles only (never receptionists);
--                 a draft until signed (sign_visit_note: who, when; completes the visit), never
--                 updated once signed: later changes are amendments (chart-safety migration)

-- Types ---------------------------------------------------------------------------------------------
create type public.visit_status as enum ('scheduled', 'in_progress', 'completed', 'cancelled');
comment on type public.visit_status is 'scheduled → in_progress → completed; scheduled/in_progress → cancelled.';

create type public.lab_order_priority as enum ('routine', 'urgent', 'stat');
comment on type public.lab_order_priority is 'How soon a lab order is needed.';

create type public.lab_order_status as enum ('ordered', 'collected', 'resulted', 'cancelled');
comment on type public.lab_order_status is 'ordered → collected → resulted; ordered/collected → cancelled. resulted and cancelled are final.';

create type public.lab_result_flag as enum ('normal', 'low', 'high', 'critically_low', 'critically_high', 'abnormal');
comment on type public.lab_result_flag is 'How a lab result compares with its reference range.';

create type public.prescription_status as enum ('active', 'completed', 'stopped');
comment on type public.prescription_status is 'active until its last fill is dispensed (→ completed) or it is stopped (stop_reason required). completed and stopped are final.';

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
  signed_at timestamptz,
  signed_by uuid references public.profiles (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- keyed within the clinic: a key on visit_id alone would answer another clinic's visit id with
  -- "duplicate key" (it has notes) instead of the foreign key's "not present" (a side channel)
  constraint visit_notes_pkey primary key (organization_id, visit_id),
  constraint visit_notes_visit_fkey foreign key (organization_id, visit_id)
    references public.visits (organization_id, id) on delete cascade,
  constraint visit_notes_signed_by_when check ((signed_at is null) = (signed_by is null))
);
comment on table public.visit_notes is
  'Clinical part of a visit (one row per visit): notes and vitals. Readable by admins, doctors and nurses only; written by doctors and nurses while unsigned. Once signed (signed_at/by, set by sign_visit_note) the row is never updated: it stays the original, and changes are visit_note_amendments.';
comment on column public.visit_notes.vitals is
  'Object with optional numbers: heart_rate (20-250 /min), bp_systolic (50-260 mmHg), bp_diastolic (20-160 mmHg), temperature_c (30-45), resp_rate (4-80 /min), spo2 (50-100 %), weight_kg (0.2-500), height_cm (20-260). Checked by trigger.';
alter table public.visit_notes enable row level security;
create index visit_notes_author_id_idx on public.visit_notes (author_id);
create index visit_notes_signed_by_idx on public.visit_notes (signed_by);

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
  -- result fields: checked by private.check_lab_result() (same limits for corrections)
  result_value text check (char_length(result_value) <= 60),
  result_unit text check (char_length(result_unit) <= 30),
  reference_range text check (char_length(reference_range) <= 60),
  result_flag public.lab_result_flag,
  result_notes text check (char_length(result_notes) <= 1000),
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
  quantity numeric(10, 2) not null check (quantity > 0 and quantity <= 100000),
  quantity_unit text not null default 'tablets' check (char_length(btrim(quantity_unit)) between 1 and 30),
  refills integer not null default 0 check (refills between 0 and 24),
  instructions text check (char_length(instructions) <= 2000),
  status public.prescription_status not null default 'active',
  fills_dispensed integer not null default 0,
  last_dispensed_at timestamptz,
  allergy_warning text check (char_length(allergy_warning) <= 1000),
  allergy_override_reason text check (char_length(allergy_override_reason) <= 500),
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
  constraint prescriptions_fills_within_refills check (fills_dispensed between 0 and refills + 1),
  constraint prescriptions_completed_after_last_fill check (status <> 'completed' or fills_dispensed = refills + 1),
  constraint prescriptions_stop_reason_when_stopped check (
    (status = 'stopped') = (stop_reason is not null and btrim(stop_reason) <> '')
  )
);
comment on table public.prescriptions is
  'Medication orders: quantity (with quantity_unit) per fill, refills allowed after the first fill. Prescribed by doctors; pharmacists dispense each fill (prescription_dispenses, fills_dispensed); the last fill completes it, or a doctor stops it with a stop_reason. active → completed | stopped, final after that. allergy_warning records the recorded allergies the medication matched when prescribed, allergy_override_reason why it was prescribed anyway.';
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
language plpgsql security definer set search_path = ''
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
select private.add_row_triggers('public.visits', authorize => true,
  frozen => '{organization_id,patient_id,created_by}', staff => '{clinician_id,created_by}');
select private.add_row_triggers('public.visit_notes', authorize => true,
  frozen => '{organization_id,visit_id}', staff => '{author_id,signed_by}');
select private.add_row_triggers('public.lab_orders', authorize => true, caller => '{ordered_by}',
  frozen => '{organization_id,patient_id,ordered_by}', staff => '{ordered_by,collected_by,resulted_by}');
select private.add_row_triggers('public.prescriptions', authorize => true, caller => '{prescriber_id}',
  frozen => '{organization_id,patient_id,prescriber_id}', staff => '{prescriber_id,completed_by,stopped_by}');

-- Visits: creator is the caller; status moves forward only: scheduled → in_progress → completed,
-- scheduled → completed (recording a visit after the fact), scheduled | in_progress → cancelled, with
-- a non-blank cancel_reason (23514, DETAIL cancel_reason), which a visit that is not cancelled never
-- has; completed and cancelled are final. started_at / ended_at follow the status.
create function private.guard_visit()
returns trigger
language plpgsql set search_path = ''
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
select private.add_trigger('visits_guard', 'before insert or update', 'public.visits', 'private.guard_visit()');

-- Vitals: an object of known measurements within plausible ranges (23514, DETAIL = the key).
-- Shared by visit notes and their amendments.
create function private.check_vitals(p_vitals jsonb)
returns void
language plpgsql immutable set search_path = ''
as $$
declare
  v_key text;
  v_value jsonb;
  v_num numeric;
  v_min numeric;
  v_max numeric;
begin
  if p_vitals is null or jsonb_typeof(p_vitals) <> 'object' then
    raise exception 'vitals: must be an object' using errcode = '23514', detail = 'vitals';
  end if;
  for v_key, v_value in select * from jsonb_each(p_vitals) loop
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
  if (p_vitals ? 'bp_systolic') and (p_vitals ? 'bp_diastolic')
     and (p_vitals ->> 'bp_diastolic')::numeric >= (p_vitals ->> 'bp_systolic')::numeric then
    raise exception 'vitals "bp_diastolic": must be lower than bp_systolic' using errcode = '23514', detail = 'bp_diastolic';
  end if;
end;
$$;
comment on function private.check_vitals(jsonb) is
  'Raises 23514 (DETAIL = the measurement) unless the vitals are an object of known measurements within plausible ranges.';
select private.grant_execute('{authenticated}', 'private.check_vitals(jsonb)');

-- Visit notes: doctors and nurses of the clinic write the draft (visit_notes_00_authorize has
-- established that first); the last writer is the author; vitals are checked; a signed note is never updated, by anyone (the table
-- owner included): it is the original the amendments refer to.
create function private.guard_visit_note()
returns trigger
language plpgsql set search_path = ''
as $$
declare
  v_api boolean := current_user in ('anon', 'authenticated');
begin
  if tg_op = 'UPDATE' and old.signed_at is not null then
    raise exception 'visit_notes: a signed note is never changed' using errcode = '23514', detail = 'notes',
      hint = 'Add an amendment instead.';
  end if;
  if v_api then
    new.author_id := auth.uid();
    if tg_op = 'INSERT' then
      new.signed_at := null;
      new.signed_by := null;
    end if;
  end if;
  perform private.check_vitals(new.vitals);
  return new;
end;
$$;
comment on function private.guard_visit_note() is
  'Trigger: author = caller; vitals checked; a signed note is never updated (23514), by anyone.';
select private.add_trigger('visit_notes_guard', 'before insert or update', 'public.visit_notes', 'private.guard_visit_note()');

-- Lab results: one short value (no line breaks, no markup), a unit, a reference range, a flag and
-- a comment, each bounded (23514, DETAIL = the field). Shared by results and their corrections.
create function private.check_lab_result(p_value text, p_unit text, p_range text, p_comment text)
returns void
language plpgsql immutable set search_path = ''
as $$
begin
  if p_value is null or btrim(p_value) = '' then
    raise exception 'lab_orders: a result value is required' using errcode = '23514', detail = 'result_value';
  end if;
  if char_length(p_value) > 60 or p_value ~ '[[:cntrl:]]' or p_value ~ '<[A-Za-z/!?]' then
    raise exception 'lab_orders: a result value is one line of at most 60 characters, without markup'
      using errcode = '23514', detail = 'result_value', hint = 'Put explanations in the comment.';
  end if;
  if p_unit is not null and (char_length(p_unit) > 30 or p_unit ~ '[[:cntrl:]<>]') then
    raise exception 'lab_orders: a unit is at most 30 characters, without markup' using errcode = '23514', detail = 'result_unit';
  end if;
  if p_range is not null and (char_length(p_range) > 60 or p_range ~ '[[:cntrl:]]' or p_range ~ '<[A-Za-z/!?]') then
    raise exception 'lab_orders: a reference range is one line of at most 60 characters, without markup'
      using errcode = '23514', detail = 'reference_range';
  end if;
  if p_comment is not null and (char_length(p_comment) > 1000 or p_comment ~ '<[A-Za-z/!?]') then
    raise exception 'lab_orders: a comment is at most 1000 characters, without markup' using errcode = '23514', detail = 'result_notes';
  end if;
end;
$$;
comment on function private.check_lab_result(text, text, text, text) is
  'Raises 23514 (DETAIL = the field) unless a lab result''s value, unit, reference range and comment are within their bounds and free of markup.';
select private.grant_execute('{authenticated}', 'private.check_lab_result(text, text, text, text)');

-- Lab orders: forward-only status, who may make each move, result fields
-- only when resulting.
create function private.guard_lab_order()
returns trigger
language plpgsql set search_path = ''
as $$
declare
  v_api boolean := current_user in ('anon', 'authenticated');
  v_role public.member_role := private.current_org_role();
begin
  if tg_op = 'INSERT' then
    if new.status <> 'ordered' then
      raise exception 'lab_orders: a new order starts as ordered' using errcode = '23514', detail = 'status';
    end if;
    new.collected_at := null; new.collected_by := null;
    new.result_value := null; new.result_unit := null; new.reference_range := null; new.result_flag := null;
    new.result_notes := null; new.resulted_by := null; new.resulted_at := null;
    return new;
  end if;

  if old.status in ('resulted', 'cancelled') then
    raise exception 'lab_orders: a % order cannot be changed', old.status
      using errcode = '23514', detail = 'status',
            hint = case when old.status = 'resulted' then 'Correct the result instead.' else 'Place a new order instead.' end;
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
    perform private.check_lab_result(new.result_value, new.result_unit, new.reference_range, new.result_notes);
    new.resulted_at := now();
    new.resulted_by := case when v_api then auth.uid() else new.resulted_by end;
  elsif (new.result_value, new.result_unit, new.reference_range, new.result_flag, new.result_notes)
        is distinct from (old.result_value, old.result_unit, old.reference_range, old.result_flag, old.result_notes) then
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
  'Trigger: lab order status ordered → collected → resulted or → cancelled (final states frozen: a result is corrected by an amendment); results only with status resulted, by lab technicians or doctors, bounded (check_lab_result); collected/resulted by and at set from the caller.';
select private.add_trigger('lab_orders_guard', 'before insert or update', 'public.lab_orders', 'private.guard_lab_order()');

-- Prescriptions: forward-only status; a stop needs a reason; fills are
-- recorded only by dispensing (private.dispense_prescription, which runs as the owner: the
-- "not through the API" branch below), and the last fill completes the prescription; once a fill
-- has been dispensed, what was prescribed no longer changes.
create function private.guard_prescription()
returns trigger
language plpgsql set search_path = ''
as $$
declare
  v_api boolean := current_user in ('anon', 'authenticated');
begin
  if tg_op = 'INSERT' then
    if new.status <> 'active' then
      raise exception 'prescriptions: a new prescription starts as active' using errcode = '23514', detail = 'status';
    end if;
    new.fills_dispensed := 0; new.last_dispensed_at := null; new.allergy_warning := null;
    new.completed_at := null; new.completed_by := null; new.stopped_at := null; new.stopped_by := null;
    return new;
  end if;

  if old.status <> 'active' then
    raise exception 'prescriptions: a % prescription cannot be changed', old.status
      using errcode = '23514', detail = 'status', hint = 'Write a new prescription instead.';
  end if;

  if v_api then
    if new.status = 'completed' then
      raise exception 'prescriptions: a prescription is completed by dispensing its last fill'
        using errcode = '23514', detail = 'status';
    end if;
    if old.fills_dispensed > 0
       and (to_jsonb(new) - array['status', 'stop_reason', 'updated_at', 'stopped_at', 'stopped_by'])
           is distinct from (to_jsonb(old) - array['status', 'stop_reason', 'updated_at', 'stopped_at', 'stopped_by']) then
      raise exception 'prescriptions: a dispensed prescription cannot be changed' using errcode = '23514',
        detail = 'medication', hint = 'Stop it and write a new prescription.';
    end if;
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
  'Trigger: status active → completed (by the last dispensed fill only) | stopped, final after that; a dispensed prescription only stops; completed/stopped by and at set from the caller.';
select private.add_trigger('prescriptions_guard', 'before insert or update', 'public.prescriptions', 'private.guard_prescription()');

-- Privileges and policies -----------------------------------------------------------------------------
-- No delete privilege on any of these tables: visits are cancelled, orders cancelled, prescriptions
-- stopped. Columns set by triggers (who/when of each step) are not writable.

-- (private.add_clinic_access: the table closed to the API roles, then one grant and one policy per
-- operation for a role set of the active clinic; reads also through a live support grant)

-- visits: admins, doctors, nurses and receptionists see their clinic's visits (scheduling data
-- only), book, reschedule, start, complete and cancel them.
select private.add_clinic_access('public.visits',
  select_by => 'care_team',
  insert_by => 'care_team', insert_columns => '{organization_id,patient_id,clinician_id,scheduled_at,reason,status}',
  update_by => 'care_team', update_columns => '{clinician_id,scheduled_at,started_at,ended_at,reason,status,cancel_reason}');

-- visit_notes: admins, doctors and nurses read notes and vitals of their clinic (never
-- receptionists); doctors and nurses write them and edit the unsigned ones (guard_visit_note refuses
-- any update of a signed note).
select private.add_clinic_access('public.visit_notes',
  select_by => 'clinical_reader',
  insert_by => 'clinician', insert_columns => '{visit_id,organization_id,notes,vitals}',
  update_by => 'clinician', update_columns => '{notes,vitals}');

-- lab_orders: admins, doctors, nurses and lab technicians see their clinic's orders and results;
-- doctors and nurses order tests; doctors and nurses (amend, collect, cancel) and lab technicians
-- (collect, result) work orders.
select private.add_clinic_access('public.lab_orders',
  select_by => 'lab_reader',
  insert_by => 'clinician', insert_columns => '{organization_id,patient_id,visit_id,test_code,test_name,priority,clinical_notes}',
  update_by => 'lab_worker', update_columns => '{visit_id,test_code,test_name,priority,clinical_notes,status,result_value,result_unit,reference_range,result_flag,result_notes,cancel_reason}');

-- prescriptions: admins, doctors, nurses and pharmacists see their clinic's prescriptions; doctors
-- prescribe, amend (until the first fill) and stop them. Pharmacists record fills through
-- dispense_prescription (chart-safety migration), never by updating a prescription.
select private.add_clinic_access('public.prescriptions',
  select_by => 'prescription_reader',
  insert_by => 'prescriber', insert_columns => '{organization_id,patient_id,visit_id,medication,dose,route,frequency,duration_days,quantity,quantity_unit,refills,instructions,allergy_override_reason}',
  update_by => 'prescriber', update_columns => '{visit_id,medication,dose,route,frequency,duration_days,quantity,quantity_unit,refills,instructions,allergy_override_reason,status,stop_reason}');

-- Booking a visit with its notes ----------------------------------------------------------------------
-- create_visit books a visit together with its notes and vitals in one call, so one transaction: when
-- the notes are refused (a receptionist, out-of-range vitals) the visit is rolled back too, instead of
-- staying behind as it would after two separate requests. It runs as the caller
-- (security invoker): the policies of visits and visit_notes, their column privileges and triggers
-- (guard_visit, guard_visit_note, staff membership checks, audit) apply exactly as for direct
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
language plpgsql volatile security invoker set search_path = ''
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
select private.grant_execute('{authenticated}', 'public.create_visit(uuid, timestamptz, text, text, jsonb, uuid, uuid)');
-- Signing a visit note ----------------------------------------------------------------------------------
-- sign_visit_note(visit_id) locks the visit's note (signed_by = the caller, signed_at = now) and
-- completes the visit, in one transaction. Doctors and nurses of the active clinic only; the caller's
-- right comes first, and a visit the caller cannot see is "not found" exactly like one that does not
-- exist. After this the note row is never updated (guard_visit_note); changes are amendments.
create function private.sign_visit_note(p_visit_id uuid)
returns timestamptz
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_org uuid := private.require_org_for(private.clinician_roles(), 'Only doctors and nurses of this clinic sign visit notes');
  v_note public.visit_notes;
  v_at timestamptz := now();
begin
  select n.* into v_note
    from public.visit_notes n
   where n.organization_id = v_org and n.visit_id = p_visit_id
     for update;
  if not found then
    raise exception 'Visit note not found' using errcode = 'PT404', hint = 'Save the note before signing it.';
  end if;
  if v_note.signed_at is not null then
    raise exception 'visit_notes: this note is already signed' using errcode = '23514', detail = 'notes',
      hint = 'Add an amendment instead.';
  end if;
  if coalesce(btrim(v_note.notes), '') = '' and v_note.vitals = '{}'::jsonb then
    raise exception 'visit_notes: an empty note cannot be signed' using errcode = '23514', detail = 'notes';
  end if;
  update public.visit_notes
     set signed_at = v_at, signed_by = auth.uid()
   where organization_id = v_org and visit_id = p_visit_id;
  update public.visits
     set status = 'completed'
   where organization_id = v_org and id = p_visit_id and status in ('scheduled', 'in_progress');
  return v_at;
end;
$$;
comment on function private.sign_visit_note(uuid) is
  'Body of public.sign_visit_note: signs the caller''s clinic''s visit note (doctors and nurses) and completes its visit.';
select private.grant_execute('{authenticated}', 'private.sign_visit_note(uuid)');

select private.add_rpc('private.sign_visit_note(uuid)',
  'RPC (doctors, nurses): signs the visit''s note (who, when; never updated afterwards: later changes are amendments) and completes the visit. 42501 for other roles, PT404 (HTTP 404) for a visit without a note the caller may sign, 23514 when already signed or empty. Returns signed_at.');
