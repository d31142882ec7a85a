-- Chart safety: what a clinician must see before acting, and the clinical record's history.
--
--   allergies               allergies and intolerances (substance, reaction, severity, status)
--   no_known_allergies      "no known allergies" recorded explicitly (one row per patient), so the
--                           chart tells it apart from "not recorded"; recording an active allergy
--                           retracts it, and it cannot be recorded while an allergy is active
--   problems                the problem list: diagnoses in free text, an optional code, onset, status
--   note_templates          clinic-defined starting texts for visit notes (admins write them)
--   visit_note_amendments   changes to a signed visit note: every version kept (who, when, why, what)
--   lab_result_amendments   corrections of a lab result: the original stays on the order
--   prescription_dispenses  each fill of a prescription (who, when, quantity)
--   current_medications()   the patient's active prescriptions (the chart's safety header)
--   prescriptions_match_allergies  prescribing a medication that matches an active allergy needs
--                           an override reason, recorded with the allergies it matched
--
-- Tenancy as everywhere: organization_id on every row, composite references
-- (organization_id, <x>_id) → (organization_id, id), live-membership RLS through the role sets
-- (private.<name>_roles()), audit rows for every write. Who reads and writes what:
-- docs/permissions.md (receptionists see none of it). The history tables (amendments, dispenses)
-- are append-only: written only by the security definer RPCs below, which establish the caller's
-- right first and answer a row the caller cannot see exactly like one that does not exist; a
-- trigger refuses update and delete for everyone. The tables people write directly fire
-- private.authorize_row_write() first (<table>_00_authorize), so their checks answer only callers the
-- INSERT policy admits; everyone else gets RLS's refusal.

-- Types ---------------------------------------------------------------------------------------------
create type public.allergy_kind as enum ('allergy', 'intolerance');
comment on type public.allergy_kind is 'An immune reaction (allergy) or a non-immune adverse reaction (intolerance).';

create type public.allergy_severity as enum ('mild', 'moderate', 'severe', 'unknown');
comment on type public.allergy_severity is 'How severe the reaction is (unknown when not assessed).';

create type public.allergy_status as enum ('active', 'inactive', 'entered_in_error');
comment on type public.allergy_status is 'active (shown and checked when prescribing), inactive (resolved, kept for history), entered_in_error.';

create type public.problem_status as enum ('active', 'resolved', 'entered_in_error');
comment on type public.problem_status is 'active (in the safety header), resolved (history), entered_in_error.';

-- Allergies -------------------------------------------------------------------------------------------
create table public.allergies (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null default private.current_org_id()
    references public.organizations (id) on delete cascade,
  patient_id uuid not null,
  kind public.allergy_kind not null default 'allergy',
  substance text not null check (char_length(btrim(substance)) between 1 and 200),
  reaction text check (char_length(reaction) <= 500),
  severity public.allergy_severity not null default 'unknown',
  status public.allergy_status not null default 'active',
  recorded_by uuid default auth.uid() references public.profiles (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint allergies_organization_id_id_key unique (organization_id, id),
  constraint allergies_patient_fkey foreign key (organization_id, patient_id)
    references public.patients (organization_id, id) on delete cascade
);
comment on table public.allergies is
  'Allergies and intolerances of a patient. Read by admins, doctors, nurses, lab technicians and pharmacists; recorded by doctors, nurses and pharmacists. Retired by status (inactive, entered_in_error), never deleted. Active ones are checked when prescribing.';
alter table public.allergies enable row level security;
create index allergies_organization_id_patient_id_idx on public.allergies (organization_id, patient_id, created_at desc);
create index allergies_recorded_by_idx on public.allergies (recorded_by);

create table public.no_known_allergies (
  organization_id uuid not null default private.current_org_id()
    references public.organizations (id) on delete cascade,
  patient_id uuid not null,
  recorded_by uuid default auth.uid() references public.profiles (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint no_known_allergies_pkey primary key (organization_id, patient_id),
  constraint no_known_allergies_patient_fkey foreign key (organization_id, patient_id)
    references public.patients (organization_id, id) on delete cascade
);
comment on table public.no_known_allergies is
  'The statement "no known allergies" for a patient (who, when): the chart tells it apart from allergies not recorded at all. Refused while an allergy is active; recording an active allergy retracts it.';
alter table public.no_known_allergies enable row level security;
create index no_known_allergies_recorded_by_idx on public.no_known_allergies (recorded_by);

-- Problems --------------------------------------------------------------------------------------------
create table public.problems (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null default private.current_org_id()
    references public.organizations (id) on delete cascade,
  patient_id uuid not null,
  description text not null check (char_length(btrim(description)) between 1 and 200),
  code text check (code ~ '^[A-Za-z0-9][A-Za-z0-9.-]{0,19}$'),
  onset_date date,
  status public.problem_status not null default 'active',
  resolved_at timestamptz,
  recorded_by uuid default auth.uid() references public.profiles (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint problems_organization_id_id_key unique (organization_id, id),
  constraint problems_patient_fkey foreign key (organization_id, patient_id)
    references public.patients (organization_id, id) on delete cascade
);
comment on table public.problems is
  'The problem list: diagnoses and conditions of a patient (free text, an optional code such as ICD-10, onset, status). Read by admins, doctors, nurses and pharmacists; written by doctors and nurses.';
comment on column public.problems.code is 'Optional classification code (e.g. ICD-10 E11.9): letters, digits, dots and dashes, at most 20.';
alter table public.problems enable row level security;
create index problems_organization_id_patient_id_idx on public.problems (organization_id, patient_id, created_at desc);
create index problems_recorded_by_idx on public.problems (recorded_by);

-- Note templates ----------------------------------------------------------------------------------------
create table public.note_templates (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null default private.current_org_id()
    references public.organizations (id) on delete cascade,
  name text not null check (char_length(btrim(name)) between 1 and 100),
  body text not null check (char_length(body) between 1 and 20000),
  active boolean not null default true,
  created_by uuid default auth.uid() references public.profiles (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint note_templates_organization_id_id_key unique (organization_id, id),
  constraint note_templates_organization_id_name_key unique (organization_id, name)
);
comment on table public.note_templates is
  'Clinic-defined starting texts for visit notes. Written by clinic admins; read by admins, doctors and nurses.';
alter table public.note_templates enable row level security;
create index note_templates_created_by_idx on public.note_templates (created_by);

-- Visit note amendments ---------------------------------------------------------------------------------
create table public.visit_note_amendments (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  visit_id uuid not null,
  version integer not null check (version >= 2),
  notes text check (char_length(notes) <= 20000),
  vitals jsonb not null default '{}'::jsonb,
  reason text not null check (char_length(btrim(reason)) between 1 and 500),
  changed_fields text[] not null check (cardinality(changed_fields) > 0),
  author_id uuid references public.profiles (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint visit_note_amendments_organization_id_visit_id_version_key unique (organization_id, visit_id, version),
  constraint visit_note_amendments_note_fkey foreign key (organization_id, visit_id)
    references public.visit_notes (organization_id, visit_id) on delete cascade
);
comment on table public.visit_note_amendments is
  'Versions 2, 3, … of a signed visit note (version 1 is the signed visit_notes row, never updated): the full notes and vitals of the version, why (reason), what changed (changed_fields: notes and vitals keys), who and when. Append-only; written by amend_visit_note(). Read by admins, doctors and nurses.';
alter table public.visit_note_amendments enable row level security;
create index visit_note_amendments_author_id_idx on public.visit_note_amendments (author_id);

-- Lab result amendments -----------------------------------------------------------------------------------
create table public.lab_result_amendments (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  lab_order_id uuid not null,
  version integer not null check (version >= 2),
  result_value text not null check (char_length(result_value) <= 60),
  result_unit text check (char_length(result_unit) <= 30),
  reference_range text check (char_length(reference_range) <= 60),
  result_flag public.lab_result_flag,
  result_notes text check (char_length(result_notes) <= 1000),
  reason text not null check (char_length(btrim(reason)) between 1 and 500),
  changed_fields text[] not null check (cardinality(changed_fields) > 0),
  amended_by uuid references public.profiles (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint lab_result_amendments_organization_id_lab_order_id_version_key unique (organization_id, lab_order_id, version),
  constraint lab_result_amendments_lab_order_fkey foreign key (organization_id, lab_order_id)
    references public.lab_orders (organization_id, id) on delete cascade
);
comment on table public.lab_result_amendments is
  'Corrections of a lab result, versions 2, 3, … (version 1 is the result on the lab order, never changed): the full corrected result, why, what changed, who and when. Append-only; written by amend_lab_result(). Read by admins, doctors, nurses and lab technicians.';
alter table public.lab_result_amendments enable row level security;
create index lab_result_amendments_amended_by_idx on public.lab_result_amendments (amended_by);

-- Prescription dispenses -------------------------------------------------------------------------------
create table public.prescription_dispenses (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  prescription_id uuid not null,
  fill_number integer not null check (fill_number between 1 and 25),
  quantity numeric(10, 2) not null check (quantity > 0),
  dispensed_by uuid references public.profiles (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint prescription_dispenses_organization_id_prescription_id_fill_key unique (organization_id, prescription_id, fill_number),
  constraint prescription_dispenses_prescription_fkey foreign key (organization_id, prescription_id)
    references public.prescriptions (organization_id, id) on delete cascade
);
comment on table public.prescription_dispenses is
  'Each fill of a prescription: fill number, quantity, who dispensed it and when (created_at). Append-only; written by dispense_prescription(). Read by admins, doctors, nurses and pharmacists.';
alter table public.prescription_dispenses enable row level security;
create index prescription_dispenses_dispensed_by_idx on public.prescription_dispenses (dispensed_by);

-- The patient's active prescriptions as an index range (current_medications()).
create index prescriptions_active_patient_idx
  on public.prescriptions (organization_id, patient_id, created_at desc) where status = 'active';

-- Shared triggers -------------------------------------------------------------------------------------
-- (the people who record them: the caller, <table>_by_caller)
select private.add_row_triggers('public.allergies', authorize => true, caller => '{recorded_by}',
  frozen => '{organization_id,patient_id,recorded_by}', staff => '{recorded_by}', audit => '{}');
select private.add_row_triggers('public.no_known_allergies', authorize => true, caller => '{recorded_by}',
  frozen => '{organization_id,patient_id,recorded_by}', staff => '{recorded_by}', audit => '{patient_id}');
select private.add_row_triggers('public.problems', authorize => true, caller => '{recorded_by}',
  frozen => '{organization_id,patient_id,recorded_by}', staff => '{recorded_by}', audit => '{}');
select private.add_row_triggers('public.note_templates', authorize => true, caller => '{created_by}',
  frozen => '{organization_id,created_by}', staff => '{created_by}', audit => '{}');
-- history: written only by the RPCs below, append-only (next section)
select private.add_row_triggers('public.visit_note_amendments', staff => '{author_id}', staff_on => 'insert', audit => '{}');
select private.add_row_triggers('public.lab_result_amendments', staff => '{amended_by}', staff_on => 'insert', audit => '{}');
select private.add_row_triggers('public.prescription_dispenses', staff => '{dispensed_by}', staff_on => 'insert', audit => '{}');

-- History is append-only -----------------------------------------------------------------------------------
-- For everyone, the table owner included; the one exception is the cascade of the record it belongs
-- to being deleted (the history leaves with it), as for audit_log.
create function private.forbid_history_changes()
returns trigger
language plpgsql set search_path = ''
as $$
declare
  v_parent_gone boolean;
begin
  if tg_op = 'DELETE' then
    v_parent_gone := case tg_table_name
      when 'visit_note_amendments' then not exists (
        select 1 from public.visit_notes n where n.organization_id = old.organization_id and n.visit_id = (to_jsonb(old) ->> 'visit_id')::uuid)
      when 'lab_result_amendments' then not exists (
        select 1 from public.lab_orders l where l.organization_id = old.organization_id and l.id = (to_jsonb(old) ->> 'lab_order_id')::uuid)
      when 'prescription_dispenses' then not exists (
        select 1 from public.prescriptions p where p.organization_id = old.organization_id and p.id = (to_jsonb(old) ->> 'prescription_id')::uuid)
      else false
    end;
    if v_parent_gone then
      return old;
    end if;
  end if;
  raise exception '%: the history is never changed', tg_table_name using errcode = '42501';
end;
$$;
comment on function private.forbid_history_changes() is
  'Trigger: refuses update and delete of history rows (amendments, dispenses), except the cascade of their record''s deletion.';
select private.add_trigger(t || '_append_only', 'before update or delete', ('public.' || t)::regclass,
                            'private.forbid_history_changes()')
  from unnest(array['visit_note_amendments', 'lab_result_amendments', 'prescription_dispenses']) t;

-- Guards of the tables people write directly ------------------------------------------------------------
-- Allergies (writers: allergy_writer_roles, checked by allergies_00_authorize): an active allergy
-- retracts a recorded "no known allergies" (as the caller, who may delete it: same role set).
create function private.guard_allergy()
returns trigger
language plpgsql set search_path = ''
as $$
begin
  new.substance := btrim(new.substance);
  new.reaction := nullif(btrim(new.reaction), '');
  if new.status = 'active' and (tg_op = 'INSERT' or old.status <> 'active') then
    delete from public.no_known_allergies k
     where k.organization_id = new.organization_id and k.patient_id = new.patient_id;
  end if;
  return new;
end;
$$;
comment on function private.guard_allergy() is
  'Trigger: text trimmed; an active allergy retracts "no known allergies".';
select private.add_trigger('allergies_guard', 'before insert or update', 'public.allergies', 'private.guard_allergy()');

-- "No known allergies": refused while an allergy of the patient is active.
create function private.guard_no_known_allergies()
returns trigger
language plpgsql set search_path = ''
as $$
begin
  if exists (
    select 1 from public.allergies a
     where a.organization_id = new.organization_id and a.patient_id = new.patient_id and a.status = 'active'
  ) then
    raise exception 'no_known_allergies: this patient has active allergies' using errcode = '23514',
      detail = 'patient_id', hint = 'Mark them inactive or entered in error first.';
  end if;
  return new;
end;
$$;
comment on function private.guard_no_known_allergies() is
  'Trigger: refused while an allergy is active.';
select private.add_trigger('no_known_allergies_guard', 'before insert', 'public.no_known_allergies', 'private.guard_no_known_allergies()');

-- Problems: onset not in the future; resolved_at follows the status.
create function private.guard_problem()
returns trigger
language plpgsql set search_path = ''
as $$
begin
  new.description := btrim(new.description);
  if new.onset_date is not null and new.onset_date > current_date then
    raise exception 'problems: the onset cannot be in the future' using errcode = '23514', detail = 'onset_date';
  end if;
  if new.status = 'resolved' then
    new.resolved_at := case when tg_op = 'UPDATE' and old.status = 'resolved' then old.resolved_at else now() end;
  else
    new.resolved_at := null;
  end if;
  return new;
end;
$$;
comment on function private.guard_problem() is
  'Trigger: onset not in the future; resolved_at set when resolved.';
select private.add_trigger('problems_guard', 'before insert or update', 'public.problems', 'private.guard_problem()');

-- Note templates: the name trimmed.
create function private.guard_note_template()
returns trigger
language plpgsql set search_path = ''
as $$
begin
  new.name := btrim(new.name);
  return new;
end;
$$;
comment on function private.guard_note_template() is
  'Trigger: name trimmed.';
select private.add_trigger('note_templates_guard', 'before insert or update', 'public.note_templates', 'private.guard_note_template()');

-- Allergy check when prescribing -------------------------------------------------------------------------
-- A medication matches an active allergy when, after lowercasing and turning punctuation into spaces,
-- one contains the other as whole words, or a word of the substance (4 letters or more) begins a word
-- of the medication ("penicillin" matches "Penicillin V"; "sulfa" matches "Sulfamethoxazole"). Name matching
-- only: drug classes (penicillin → amoxicillin) need a drug database the clinic does not have, so the
-- chart shows every allergy next to the prescription form as well. Runs as the caller: it returns
-- only allergies the caller may read.
create function private.matching_allergies(p_organization_id uuid, p_patient_id uuid, p_medication text)
returns text
language sql stable set search_path = ''
as $$
  with norm as (
    select btrim(regexp_replace(lower(coalesce(p_medication, '')), '[^[:alnum:]]+', ' ', 'g')) as med
  ), matched as (
    select a.substance, a.severity, a.reaction, a.created_at
      from public.allergies a, norm
     where a.organization_id = p_organization_id
       and a.patient_id = p_patient_id
       and a.status = 'active'
       and norm.med <> ''
       and (
         position(' ' || btrim(regexp_replace(lower(a.substance), '[^[:alnum:]]+', ' ', 'g')) || ' ' in ' ' || norm.med || ' ') > 0
         or position(' ' || norm.med || ' ' in ' ' || btrim(regexp_replace(lower(a.substance), '[^[:alnum:]]+', ' ', 'g')) || ' ') > 0
         or exists (
           select 1
             from regexp_split_to_table(regexp_replace(lower(a.substance), '[^[:alnum:]]+', ' ', 'g'), ' ') sw,
                  regexp_split_to_table(norm.med, ' ') mw
            where char_length(sw) >= 4 and left(mw, char_length(sw)) = sw
         )
       )
  )
  select string_agg(
           m.substance || ' (' || m.severity || coalesce(', ' || m.reaction, '') || ')', '; '
           order by m.created_at)
    from matched m;
$$;
comment on function private.matching_allergies(uuid, uuid, text) is
  'The active allergies of a patient whose substance matches a medication name, as "substance (severity, reaction); …", or null. Runs as the caller (their RLS applies).';
select private.grant_execute('{authenticated}', 'private.matching_allergies(uuid, uuid, text)');

-- Trigger (after prescriptions_00_authorize established the prescriber's right, and after
-- prescriptions_guard): a medication that
-- matches an active allergy needs an allergy_override_reason (23514, DETAIL allergy_override_reason,
-- naming the medication the caller sent and the allergies they may read); the match is recorded in
-- allergy_warning with the reason. Without a match neither is kept.
create function private.match_prescription_allergies()
returns trigger
language plpgsql set search_path = ''
as $$
declare
  v_match text;
begin
  if tg_op = 'UPDATE' and new.medication is not distinct from old.medication
     and new.allergy_override_reason is not distinct from old.allergy_override_reason then
    return new;
  end if;
  v_match := private.matching_allergies(new.organization_id, new.patient_id, new.medication);
  if v_match is null then
    new.allergy_warning := null;
    new.allergy_override_reason := null;
    return new;
  end if;
  new.allergy_override_reason := nullif(btrim(new.allergy_override_reason), '');
  if new.allergy_override_reason is null then
    raise exception 'prescriptions: % matches a recorded allergy: %', new.medication, v_match
      using errcode = '23514', detail = 'allergy_override_reason',
            hint = 'Give a reason to prescribe it anyway.';
  end if;
  new.allergy_warning := v_match;
  return new;
end;
$$;
comment on function private.match_prescription_allergies() is
  'Trigger: prescribing a medication that matches an active allergy of the patient needs allergy_override_reason; the match is kept in allergy_warning.';
-- (named after prescriptions_guard so that it fires after it: triggers fire in name order)
select private.add_trigger('prescriptions_match_allergies', 'before insert or update of medication, allergy_override_reason', 'public.prescriptions', 'private.match_prescription_allergies()');

-- RPCs that write the history ------------------------------------------------------------------------------
-- Each: the caller's role set in the active clinic first (42501 otherwise), then the record in that
-- clinic only (PT404 "… not found", HTTP 404, for one that does not exist and for one the caller cannot see),
-- then the checks (23514 with the field in DETAIL). Security definer bodies in private, invoker
-- wrappers in public.

-- What changed between two versions of a visit note: 'notes' and the vitals keys that differ.
create function private.visit_note_changes(p_old_notes text, p_old_vitals jsonb, p_new_notes text, p_new_vitals jsonb)
returns text[]
language sql immutable set search_path = ''
as $$
  select array(
    select 'notes' where coalesce(p_old_notes, '') is distinct from coalesce(p_new_notes, '')
    union all
    select k from (
      select jsonb_object_keys(coalesce(p_old_vitals, '{}'::jsonb)) as k
      union
      select jsonb_object_keys(coalesce(p_new_vitals, '{}'::jsonb))
    ) keys
     where (coalesce(p_old_vitals, '{}'::jsonb) -> k) is distinct from (coalesce(p_new_vitals, '{}'::jsonb) -> k)
  );
$$;
comment on function private.visit_note_changes(text, jsonb, text, jsonb) is
  'The fields that differ between two versions of a visit note: notes and vitals keys.';
revoke execute on function private.visit_note_changes(text, jsonb, text, jsonb) from public, anon, authenticated;

create function private.amend_visit_note(p_visit_id uuid, p_notes text, p_vitals jsonb, p_reason text)
returns integer
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_org uuid := private.require_org_for(private.clinician_roles(), 'Only doctors and nurses of this clinic amend visit notes');
  v_note public.visit_notes;
  v_last public.visit_note_amendments;
  v_notes text := nullif(btrim(p_notes), '');
  v_vitals jsonb := coalesce(p_vitals, '{}'::jsonb);
  v_reason text := btrim(p_reason);
  v_changed text[];
  v_version integer;
begin
  select n.* into v_note
    from public.visit_notes n
   where n.organization_id = v_org and n.visit_id = p_visit_id
     for update;
  if not found then
    raise exception 'Visit note not found' using errcode = 'PT404';
  end if;
  if v_note.signed_at is null then
    raise exception 'visit_notes: the note is not signed yet' using errcode = '23514', detail = 'notes',
      hint = 'Edit the draft instead.';
  end if;
  if v_reason is null or v_reason = '' or char_length(v_reason) > 500 then
    raise exception 'visit_notes: an amendment needs a reason (at most 500 characters)' using errcode = '23514', detail = 'reason';
  end if;
  if char_length(v_notes) > 20000 then
    raise exception 'visit_notes: notes are at most 20000 characters' using errcode = '23514', detail = 'notes';
  end if;
  perform private.check_vitals(v_vitals);
  select a.* into v_last
    from public.visit_note_amendments a
   where a.organization_id = v_org and a.visit_id = p_visit_id
   order by a.version desc
   limit 1;
  if v_last.id is null then
    v_changed := private.visit_note_changes(v_note.notes, v_note.vitals, v_notes, v_vitals);
    v_version := 2;
  else
    v_changed := private.visit_note_changes(v_last.notes, v_last.vitals, v_notes, v_vitals);
    v_version := v_last.version + 1;
  end if;
  if cardinality(v_changed) = 0 then
    raise exception 'visit_notes: the amendment changes nothing' using errcode = '23514', detail = 'notes';
  end if;
  insert into public.visit_note_amendments (organization_id, visit_id, version, notes, vitals, reason, changed_fields, author_id)
  values (v_org, p_visit_id, v_version, v_notes, v_vitals, v_reason, v_changed, auth.uid());
  return v_version;
end;
$$;
comment on function private.amend_visit_note(uuid, text, jsonb, text) is
  'Body of public.amend_visit_note: appends the next version of a signed visit note of the caller''s clinic (doctors and nurses).';

select private.add_rpc('private.amend_visit_note(uuid, text, jsonb, text)',
  'RPC (doctors, nurses): records a new version of a signed visit note (full notes and vitals, a reason); earlier versions are kept. 42501 for other roles, PT404 (HTTP 404) for a note the caller cannot see, 23514 for an unsigned note, a missing reason, invalid vitals or no change. Returns the version number.');

-- What changed between two versions of a lab result.
create function private.lab_result_changes(p_old public.lab_result_amendments, p_new public.lab_result_amendments)
returns text[]
language sql immutable set search_path = ''
as $$
  select array(
    select f from (values
      ('result_value', p_old.result_value is distinct from p_new.result_value),
      ('result_unit', p_old.result_unit is distinct from p_new.result_unit),
      ('reference_range', p_old.reference_range is distinct from p_new.reference_range),
      ('result_flag', p_old.result_flag is distinct from p_new.result_flag),
      ('result_notes', p_old.result_notes is distinct from p_new.result_notes)
    ) c (f, changed)
     where changed
  );
$$;
comment on function private.lab_result_changes(public.lab_result_amendments, public.lab_result_amendments) is
  'The result fields that differ between two versions of a lab result.';
revoke execute on function private.lab_result_changes(public.lab_result_amendments, public.lab_result_amendments) from public, anon, authenticated;

create function private.amend_lab_result(
  p_lab_order_id uuid, p_value text, p_unit text, p_range text, p_flag public.lab_result_flag,
  p_comment text, p_reason text
)
returns integer
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_org uuid := private.require_org_for(private.lab_result_roles(),
                                        'Only lab technicians and doctors of this clinic correct lab results');
  v_order public.lab_orders;
  v_current public.lab_result_amendments;
  v_new public.lab_result_amendments;
  v_reason text := btrim(p_reason);
  v_changed text[];
begin
  select l.* into v_order
    from public.lab_orders l
   where l.organization_id = v_org and l.id = p_lab_order_id
     for update;
  if not found then
    raise exception 'Lab order not found' using errcode = 'PT404';
  end if;
  if v_order.status <> 'resulted' then
    raise exception 'lab_orders: only a resulted order can be corrected' using errcode = '23514', detail = 'status',
      hint = 'Record the result instead.';
  end if;
  if v_reason is null or v_reason = '' or char_length(v_reason) > 500 then
    raise exception 'lab_orders: a correction needs a reason (at most 500 characters)' using errcode = '23514', detail = 'reason';
  end if;
  v_new.result_value := btrim(p_value);
  v_new.result_unit := nullif(btrim(p_unit), '');
  v_new.reference_range := nullif(btrim(p_range), '');
  v_new.result_flag := p_flag;
  v_new.result_notes := nullif(btrim(p_comment), '');
  perform private.check_lab_result(v_new.result_value, v_new.result_unit, v_new.reference_range, v_new.result_notes);
  select a.* into v_current
    from public.lab_result_amendments a
   where a.organization_id = v_org and a.lab_order_id = p_lab_order_id
   order by a.version desc
   limit 1;
  if v_current.id is null then
    v_current.version := 1;
    v_current.result_value := v_order.result_value;
    v_current.result_unit := v_order.result_unit;
    v_current.reference_range := v_order.reference_range;
    v_current.result_flag := v_order.result_flag;
    v_current.result_notes := v_order.result_notes;
  end if;
  v_changed := private.lab_result_changes(v_current, v_new);
  if cardinality(v_changed) = 0 then
    raise exception 'lab_orders: the correction changes nothing' using errcode = '23514', detail = 'result_value';
  end if;
  insert into public.lab_result_amendments (
    organization_id, lab_order_id, version, result_value, result_unit, reference_range, result_flag,
    result_notes, reason, changed_fields, amended_by)
  values (v_org, p_lab_order_id, v_current.version + 1, v_new.result_value, v_new.result_unit,
          v_new.reference_range, v_new.result_flag, v_new.result_notes, v_reason, v_changed, auth.uid());
  return v_current.version + 1;
end;
$$;
comment on function private.amend_lab_result(uuid, text, text, text, public.lab_result_flag, text, text) is
  'Body of public.amend_lab_result: appends a corrected version of a resulted lab order of the caller''s clinic (lab technicians, doctors).';

create function public.amend_lab_result(
  lab_order_id uuid, result_value text, result_unit text, reference_range text,
  result_flag public.lab_result_flag, result_notes text, reason text
)
returns integer
language sql volatile security invoker set search_path = ''
as $$
  select private.amend_lab_result(lab_order_id, result_value, result_unit, reference_range, result_flag, result_notes, reason);
$$;
comment on function public.amend_lab_result(uuid, text, text, text, public.lab_result_flag, text, text) is
  'RPC (lab technicians, doctors): records a corrected lab result (the full result and a reason); the original stays on the order and every correction is kept. 42501 for other roles, PT404 (HTTP 404) for an order the caller cannot see, 23514 for an order without a result, a missing reason, an invalid result or no change. Returns the version number.';

create function private.dispense_prescription(p_prescription_id uuid, p_quantity numeric default null)
returns integer
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_org uuid := private.require_org_for(private.dispenser_roles(), 'Only pharmacists of this clinic dispense prescriptions');
  v_rx public.prescriptions;
  v_quantity numeric;
  v_fill integer;
begin
  select p.* into v_rx
    from public.prescriptions p
   where p.organization_id = v_org and p.id = p_prescription_id
     for update;
  if not found then
    raise exception 'Prescription not found' using errcode = 'PT404';
  end if;
  if v_rx.status <> 'active' then
    raise exception 'prescriptions: a % prescription cannot be dispensed', v_rx.status
      using errcode = '23514', detail = 'prescription_id';
  end if;
  v_quantity := coalesce(p_quantity, v_rx.quantity);
  if v_quantity <= 0 or v_quantity > v_rx.quantity then
    raise exception 'prescription_dispenses: a fill is more than 0 and at most % %', v_rx.quantity, v_rx.quantity_unit
      using errcode = '23514', detail = 'quantity';
  end if;
  v_fill := v_rx.fills_dispensed + 1;
  insert into public.prescription_dispenses (organization_id, prescription_id, fill_number, quantity, dispensed_by)
  values (v_org, p_prescription_id, v_fill, v_quantity, auth.uid());
  update public.prescriptions
     set fills_dispensed = v_fill,
         last_dispensed_at = now(),
         status = case when v_fill = v_rx.refills + 1 then 'completed'::public.prescription_status else status end,
         completed_by = case when v_fill = v_rx.refills + 1 then auth.uid() end
   where organization_id = v_org and id = p_prescription_id;
  return v_fill;
end;
$$;
comment on function private.dispense_prescription(uuid, numeric) is
  'Body of public.dispense_prescription: records the next fill of an active prescription of the caller''s clinic (pharmacists); the last fill completes it.';

select private.add_rpc('private.dispense_prescription(uuid, numeric)',
  'RPC (pharmacists): dispenses the next fill of an active prescription (quantity defaults to the prescribed quantity per fill and may not exceed it); who, when and how much are recorded in prescription_dispenses; the last fill (1 + refills) completes the prescription. 42501 for other roles, PT404 (HTTP 404) for a prescription the caller cannot see, 23514 for one that is not active or a quantity out of bounds. Returns the fill number.');

-- The safety header's current medications -----------------------------------------------------------------
-- A status filter through RLS cannot be an index condition (enum_eq is not leakproof), so a patient's
-- active prescriptions through the Data API would read the patient's whole prescription history. As
-- the dashboard RPCs (20261124700000_create_dashboard_rpcs.sql), this applies the prescriptions SELECT
-- policy's scope itself (same helper, same role set) and then the patient and status, as one range of
-- prescriptions_active_patient_idx. It returns exactly the rows RLS lets the caller read.
create function private.current_medications(p_patient_id uuid)
returns setof public.prescriptions
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_org uuid := private.current_read_org_id_for(private.prescription_reader_roles());
begin
  if v_org is null then
    return;
  end if;
  return query
    select p.*
      from public.prescriptions p
     where p.organization_id = v_org
       and p.patient_id = p_patient_id
       and p.status = 'active'
     order by p.created_at desc, p.id
     limit 100;
end;
$$;
comment on function private.current_medications(uuid) is
  'Body of public.current_medications: a patient''s active prescriptions under the prescriptions SELECT scope, as an index range.';

select private.add_rpc('private.current_medications(uuid)',
  'RPC for the chart''s safety header: the patient''s active prescriptions (newest first, at most 100). Same rows as RLS lets the caller read (prescription_reader_roles() of the active clinic, or a live support grant); none for anyone else.');

select private.grant_execute('{authenticated}',
  'private.amend_visit_note(uuid, text, jsonb, text)',
  'private.amend_lab_result(uuid, text, text, text, public.lab_result_flag, text, text)',
  'public.amend_lab_result(uuid, text, text, text, public.lab_result_flag, text, text)',
  'private.dispense_prescription(uuid, numeric)',
  'private.current_medications(uuid)');

-- Privileges and policies -----------------------------------------------------------------------------
-- (private.add_clinic_access: the table closed to the API roles, then one grant and one policy per
-- operation for a role set of the active clinic; reads also through a live support grant)

-- allergies: admins, doctors, nurses, lab technicians and pharmacists read them; doctors, nurses and
-- pharmacists record, correct and retire them (by status: no delete).
select private.add_clinic_access('public.allergies',
  select_by => 'safety_reader',
  insert_by => 'allergy_writer', insert_columns => '{organization_id,patient_id,kind,substance,reaction,severity,status}',
  update_by => 'allergy_writer', update_columns => '{kind,substance,reaction,severity,status}');

-- no_known_allergies: read as allergies; recorded or retracted (recording an allergy does so too)
-- by the same writers, never updated.
select private.add_clinic_access('public.no_known_allergies',
  select_by => 'safety_reader',
  insert_by => 'allergy_writer', insert_columns => '{organization_id,patient_id}',
  delete_by => 'allergy_writer');

-- problems: admins, doctors, nurses and pharmacists read the problem lists; doctors and nurses record,
-- resolve and correct problems (retired by status: no delete).
select private.add_clinic_access('public.problems',
  select_by => 'problem_reader',
  insert_by => 'clinician', insert_columns => '{organization_id,patient_id,description,code,onset_date,status}',
  update_by => 'clinician', update_columns => '{description,code,onset_date,status}');

-- note_templates: admins, doctors and nurses read them; clinic admins create, edit, deactivate and
-- delete them (notes keep the text they were started from).
select private.add_clinic_access('public.note_templates',
  select_by => 'clinical_reader',
  insert_by => 'admin', insert_columns => '{organization_id,name,body,active}',
  update_by => 'admin', update_columns => '{name,body,active}',
  delete_by => 'admin');

-- History tables: read only through the API (the RPCs above write them): the versions of visit notes
-- by admins, doctors and nurses; corrections of lab results by them and lab technicians; the
-- dispensing record by them and pharmacists.
select private.add_clinic_access('public.visit_note_amendments', select_by => 'clinical_reader');
select private.add_clinic_access('public.lab_result_amendments', select_by => 'lab_reader');
select private.add_clinic_access('public.prescription_dispenses', select_by => 'prescription_reader');
