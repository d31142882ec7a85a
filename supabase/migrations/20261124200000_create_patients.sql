-- Patients and each clinic's custom patient fields.
--
-- patients: per-clinic medical record number (MRN-000123, generated in the insert from a locked
-- per-clinic counter), demographics, custom_fields validated in the database against the clinic's
-- ACTIVE patient_field_definitions, archived rather than deleted, and a trigger-maintained
-- search_name ("family given", normalized, collation C) so name search is a btree range under RLS.
-- Children reference patients through (organization_id, id). Also the pieces they rest on: per-clinic
-- counters (MRNs, the active-patient count of the plan limit), name normalization, ISO dates.

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

select private.add_row_triggers('private.organization_counters');

create function private.next_counter_value(p_organization_id uuid, p_counter text)
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
create function private.normalize_search_text(p_text text)
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
create function private.is_iso_date(p_text text)
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

-- Types ---------------------------------------------------------------------------------------------
create type public.patient_sex as enum ('female', 'male', 'other', 'unknown');
comment on type public.patient_sex is 'Administrative sex recorded for a patient.';

create type public.custom_field_type as enum ('text', 'number', 'date', 'boolean', 'select');
comment on type public.custom_field_type is 'Value type of a clinic-defined patient field.';

create type public.custom_field_format as enum ('any', 'digits', 'letters', 'mask');
comment on type public.custom_field_format is
  'Format of a text custom field as staff see it: any text, digits only, letters only, or an example mask (format_mask).';

-- Custom field definitions -------------------------------------------------------------------------
create table public.patient_field_definitions (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null default private.current_org_id()
    references public.organizations (id) on delete cascade,
  key text not null check (key ~ '^[a-z][a-z0-9_]{0,62}$'),
  label text not null check (char_length(btrim(label)) between 1 and 120),
  field_type public.custom_field_type not null default 'text',
  options text[] check (options is null or cardinality(options) between 1 and 200),
  required boolean not null default false,
  format_kind public.custom_field_format not null default 'any',
  format_mask text,
  pattern text,
  format_hint text,
  unique_within_clinic boolean not null default false,
  sort_order integer not null default 0,
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint patient_field_definitions_organization_id_key_key unique (organization_id, key),
  constraint patient_field_definitions_options_only_for_select check (
    (field_type = 'select') = (options is not null)
  ),
  constraint patient_field_definitions_format_only_for_text check (
    format_kind = 'any' or field_type = 'text'
  ),
  constraint patient_field_definitions_format_mask_check check (
    (format_kind = 'mask') = (format_mask is not null)
    and (format_mask is null or (format_mask ~ '^[!-~]([ -~]{0,38}[!-~])?$' and format_mask ~ '[A9*]'))
  )
);
comment on table public.patient_field_definitions is
  'Per-clinic extra patient fields (key snake_case). patients.custom_fields is validated against the ACTIVE definitions. Managed by clinic admins; readable by all staff of the clinic.';
comment on column public.patient_field_definitions.format_mask is
  'Example mask of a text field (format_kind = mask), as staff see it: A = a capital letter A-Z, 9 = a digit, * = a capital letter or a digit, any other character stands for itself (e.g. AAA9999, AA-999999). 1 to 40 printable ASCII characters with at least one A, 9 or *.';
comment on column public.patient_field_definitions.pattern is
  'Derived by trigger from format_kind and format_mask (private.custom_field_format_pattern): the anchored regular expression every check uses. Never written by API callers (no column privilege) and never shown to people.';
comment on column public.patient_field_definitions.format_hint is
  'Derived by trigger from format_kind and format_mask: what a value must be, in words for staff ("must look like ABC1234", "must contain digits only"); null for any text.';
alter table public.patient_field_definitions enable row level security;

select private.add_row_triggers('public.patient_field_definitions', authorize => true, frozen => '{organization_id,key}');

-- Formats are described to staff as an example mask, never as a regular expression. An admin picks a
-- format_kind (any text, digits only, letters only, or a mask such as AAA9999: A = a capital letter,
-- 9 = a digit, * = a capital letter or a digit, anything else stands for itself); the database
-- derives from it the anchored regular expression every check uses (the patient trigger, the
-- definition guard's count of non-matching values, the browser's form) and the words staff read
-- ("must look like ABC1234"). Derived patterns use only ASCII classes and escaped punctuation, so
-- they mean the same in PostgreSQL and in JavaScript (the portal validates with the same string).
create function private.custom_field_format_pattern(p_kind public.custom_field_format, p_mask text)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_out text := '';
  v_c text;
begin
  case p_kind
    when 'digits' then
      return '^[0-9]+$';
    when 'letters' then
      return '^[A-Za-z]+$';
    when 'mask' then
      foreach v_c in array regexp_split_to_array(coalesce(p_mask, ''), '') loop
        v_out := v_out || case
          when v_c = 'A' then '[A-Z]'
          when v_c = '9' then '[0-9]'
          when v_c = '*' then '[A-Z0-9]'
          when v_c ~ '^[A-Za-z0-9]$' then v_c
          else '\' || v_c
        end;
      end loop;
      return '^' || v_out || '$';
    else
      return null;
  end case;
end;
$$;
comment on function private.custom_field_format_pattern(public.custom_field_format, text) is
  'The anchored regular expression of a custom field format: digits ^[0-9]+$, letters ^[A-Za-z]+$, a mask character by character (A [A-Z], 9 [0-9], * [A-Z0-9], letters and digits as themselves, punctuation escaped); null for any text.';
revoke execute on function private.custom_field_format_pattern(public.custom_field_format, text) from public, anon;
-- pure; the definition trigger runs as the admin who writes
grant execute on function private.custom_field_format_pattern(public.custom_field_format, text) to authenticated, service_role;

-- The example a mask describes: A gives A, B, C, …; 9 gives 1, 2, 3, …; * alternately the next letter
-- and the next digit; anything else itself. AAA9999 -> ABC1234, AA-999999 -> AB-123456.
create function private.custom_field_mask_example(p_mask text)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_out text := '';
  v_c text;
  v_letters integer := 0;
  v_digits integer := 0;
  v_either integer := 0;
begin
  foreach v_c in array regexp_split_to_array(coalesce(p_mask, ''), '') loop
    if v_c = 'A' or (v_c = '*' and v_either % 2 = 0) then
      v_out := v_out || chr(65 + v_letters % 26);
      v_letters := v_letters + 1;
    elsif v_c = '9' or v_c = '*' then
      v_out := v_out || ((v_digits + 1) % 10)::text;
      v_digits := v_digits + 1;
    else
      v_out := v_out || v_c;
    end if;
    if v_c = '*' then
      v_either := v_either + 1;
    end if;
  end loop;
  return v_out;
end;
$$;
comment on function private.custom_field_mask_example(text) is
  'An example value of a mask: AAA9999 -> ABC1234 (A letters A, B, C…; 9 digits 1, 2, 3…; * a letter, then a digit, …).';
revoke execute on function private.custom_field_mask_example(text) from public, anon;
-- pure; the definition trigger runs as the admin who writes
grant execute on function private.custom_field_mask_example(text) to authenticated, service_role;

create function private.custom_field_format_hint(p_kind public.custom_field_format, p_mask text)
returns text
language sql
immutable
set search_path = ''
as $$
  select case p_kind
    when 'digits' then 'must contain digits only'
    when 'letters' then 'must contain letters only'
    when 'mask' then 'must look like ' || private.custom_field_mask_example(p_mask)
  end;
$$;
comment on function private.custom_field_format_hint(public.custom_field_format, text) is
  'What a value of the format must be, in words for staff: "must look like ABC1234", "must contain digits only", "must contain letters only"; null for any text.';
revoke execute on function private.custom_field_format_hint(public.custom_field_format, text) from public, anon;
-- pure; the definition trigger runs as the admin who writes
grant execute on function private.custom_field_format_hint(public.custom_field_format, text) to authenticated, service_role;

-- Runs after patient_field_definitions_00_authorize (alphabetical), so only those allowed to write
-- the clinic's definitions learn what is wrong with one. DETAIL = the column at fault (for the form).
create function private.check_patient_field_definition()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.format_kind <> 'any' and new.field_type <> 'text' then
    raise exception 'custom field "%": a format applies to text fields only', new.key
      using errcode = '23514', detail = 'format_kind';
  end if;
  if new.format_kind = 'mask' then
    if coalesce(new.format_mask, '') = '' then
      raise exception 'custom field "%": enter a mask such as AAA9999', new.key
        using errcode = '23514', detail = 'format_mask';
    end if;
    if new.format_mask !~ '^[!-~]([ -~]{0,38}[!-~])?$' then
      raise exception 'custom field "%": a mask has at most 40 characters: letters A-Z and a-z, digits, punctuation and inner spaces', new.key
        using errcode = '23514', detail = 'format_mask',
              hint = 'No accented letters, and no spaces at either end.';
    end if;
    if new.format_mask !~ '[A9*]' then
      raise exception 'custom field "%": a mask needs at least one A (a capital letter), 9 (a digit) or * (either)', new.key
        using errcode = '23514', detail = 'format_mask';
    end if;
  elsif new.format_mask is not null then
    raise exception 'custom field "%": a mask is used only with the format "Mask"', new.key
      using errcode = '23514', detail = 'format_mask';
  end if;
  -- derived: whatever a privileged writer sent, the pattern and the words follow the format
  new.pattern := private.custom_field_format_pattern(new.format_kind, new.format_mask);
  new.format_hint := private.custom_field_format_hint(new.format_kind, new.format_mask);

  if new.options is not null
     and (array_position(new.options, null) is not null
          or cardinality(new.options) <> (select count(distinct o) from unnest(new.options) o)) then
    raise exception 'custom field "%": options must be distinct and not null', new.key
      using errcode = '23514', detail = new.key;
  end if;
  return new;
end;
$$;
comment on function private.check_patient_field_definition() is
  'Trigger: a definition''s format must fit its type (a mask of 1-40 printable ASCII characters with an A, 9 or *); derives pattern and format_hint from format_kind and format_mask; select options must be distinct.';
select private.add_trigger('patient_field_definitions_check', 'before insert or update', 'public.patient_field_definitions', 'private.check_patient_field_definition()');

-- Patients --------------------------------------------------------------------------------------------
create table public.patients (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null default private.current_org_id()
    references public.organizations (id) on delete cascade,
  mrn text not null check (mrn ~ '^MRN-[0-9]{6,}$'),
  given_name text not null check (char_length(btrim(given_name)) between 1 and 100),
  family_name text not null check (char_length(btrim(family_name)) between 1 and 100),
  -- not before 1900 here (immutable); not in the future by trigger (private.check_patient_birth_date)
  date_of_birth date check (date_of_birth >= '1900-01-01'),
  sex public.patient_sex not null default 'unknown',
  phone text check (phone ~ '^\+?[0-9][0-9 ().-]{2,30}$'),
  email text check (char_length(email) <= 254 and email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
  address text check (char_length(address) <= 500),
  custom_fields jsonb not null default '{}'::jsonb check (jsonb_typeof(custom_fields) = 'object'),
  search_name text collate "C" not null default '',
  search_given_name text collate "C" not null default '',
  archived_at timestamptz,
  created_by uuid default auth.uid() references public.profiles (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint patients_organization_id_id_key unique (organization_id, id),
  constraint patients_organization_id_mrn_key unique (organization_id, mrn)
);
comment on table public.patients is
  'Patients of one clinic. mrn is generated per clinic on insert (MRN-000001, ...). Archived (archived_at), never deleted by staff. search_name = normalized "family given" for prefix search (see search_patients).';
comment on column public.patients.search_name is
  'Maintained by trigger: private.normalize_search_text(family_name || '' '' || given_name), collation C. Query with range predicates: search_name >= p and search_name < p || chr(1114111).';
comment on column public.patients.search_given_name is
  'Maintained by trigger: private.normalize_search_text(given_name || '' '' || family_name), collation C, so a given name alone finds the patient (search_patients).';
comment on column public.patients.custom_fields is
  'Values of the clinic''s patient_field_definitions, keyed by definition key; validated by trigger.';
alter table public.patients enable row level security;

-- name order and prefix ranges (collation C: byte order, ranges and ORDER BY both use it)
create index patients_organization_id_search_name_idx on public.patients (organization_id, search_name, id);
create index patients_organization_id_search_given_name_idx on public.patients (organization_id, search_given_name, id);
create index patients_organization_id_date_of_birth_idx on public.patients (organization_id, date_of_birth);
create index patients_created_by_idx on public.patients (created_by);
-- the dashboard's recently updated patients: the first rows of this range, not a sort of the clinic
-- (25,000 patients: 20 ms to 1 ms); and its count of active patients, an index-only range
create index patients_organization_id_updated_at_idx on public.patients (organization_id, updated_at desc, id);
create index patients_organization_id_active_idx on public.patients (organization_id) where archived_at is null;

-- Values of unique_within_clinic custom fields, one row per (patient, field), maintained by trigger.
-- The unique index makes concurrent inserts of the same value queue and then fail cleanly.
create table private.patient_unique_field_values (
  organization_id uuid not null,
  field_key text not null,
  value text not null,
  patient_id uuid not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (organization_id, field_key, value),
  foreign key (organization_id, patient_id) references public.patients (organization_id, id) on delete cascade
);
comment on table private.patient_unique_field_values is
  'Index of custom field values that must be unique within a clinic (unique_within_clinic definitions).';
-- no RLS: private is not exposed and the API roles hold no privilege on it (only definer code writes it)
revoke all on table private.patient_unique_field_values from public, anon, authenticated;
create unique index patient_unique_field_values_patient_key
  on private.patient_unique_field_values (organization_id, patient_id, field_key);

select private.add_row_triggers('private.patient_unique_field_values');

-- Before insert: the MRN (any client value is replaced), created_by = the caller.
create function private.assign_patient_mrn()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  new.mrn := 'MRN-' || lpad(private.next_counter_value(new.organization_id, 'mrn')::text, 6, '0');
  if auth.uid() is not null then
    new.created_by := auth.uid();
  end if;
  return new;
end;
$$;
comment on function private.assign_patient_mrn() is
  'Trigger (before insert on patients): next MRN of the clinic''s own gapless counter; created_by = auth.uid().';

create function private.normalize_patient()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.given_name := btrim(new.given_name);
  new.family_name := btrim(new.family_name);
  new.search_name := private.normalize_search_text(new.family_name || ' ' || new.given_name);
  new.search_given_name := private.normalize_search_text(new.given_name || ' ' || new.family_name);
  if tg_op = 'UPDATE' then
    new.mrn := old.mrn;
    new.created_by := old.created_by;
  end if;
  return new;
end;
$$;
comment on function private.normalize_patient() is
  'Trigger: trims names, maintains search_name and search_given_name; mrn and created_by never change after insert.';

-- A date of birth is not in the future. Not a CHECK constraint: CHECK expressions must be immutable
-- (PostgreSQL evaluates them only when a row is written, and a restore re-evaluates every row), and
-- "today" depends on the clock and the session's TimeZone, so `date_of_birth <= current_date` would
-- answer differently for the same row by session and could refuse a restore on a machine whose
-- clock or zone is behind. This trigger checks the value when it is written, against the latest
-- calendar date anywhere on Earth right now (UTC+14), so staff in any time zone can record a baby
-- born today in their zone. The lower bound (1900) is immutable and stays a CHECK constraint.
create function private.check_patient_birth_date()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.date_of_birth > (now() at time zone 'Pacific/Kiritimati')::date then
    raise exception 'date_of_birth: the date of birth cannot be in the future'
      using errcode = '23514', detail = 'date_of_birth', constraint = 'patients_date_of_birth_check',
            hint = 'Enter a date of birth that is today or earlier.';
  end if;
  return new;
end;
$$;
comment on function private.check_patient_birth_date() is
  'Trigger (before insert, and update of date_of_birth, on patients): refuses a date of birth after today (the latest date anywhere, UTC+14). 23514, DETAIL date_of_birth.';

-- Validates custom_fields against the clinic's active definitions. Errors: SQLSTATE 23514 (23505 for
-- duplicates), message `custom field "<key>": ...`, DETAIL = the field key (for the form).
-- Keys of inactive definitions may keep their stored value but not receive a new one.
create function private.validate_patient_custom_fields()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_def public.patient_field_definitions;
  v_key text;
  v_value jsonb;
  v_text text;
begin
  if tg_op = 'UPDATE' and new.custom_fields is not distinct from old.custom_fields then
    return new;
  end if;

  -- unknown keys
  for v_key in select jsonb_object_keys(new.custom_fields) loop
    if not exists (
      select 1 from public.patient_field_definitions d
       where d.organization_id = new.organization_id and d.key = v_key and d.active
    ) and not (tg_op = 'UPDATE' and (old.custom_fields -> v_key) is not distinct from (new.custom_fields -> v_key)) then
      raise exception 'custom field "%": is not a field of this clinic', v_key
        using errcode = '23514', detail = v_key,
              hint = 'Remove the value or ask a clinic admin to define the field.';
    end if;
  end loop;

  for v_def in
    select * from public.patient_field_definitions d
     where d.organization_id = new.organization_id and d.active
     order by d.sort_order, d.key
  loop
    v_value := new.custom_fields -> v_def.key;
    if v_value is null or v_value = 'null'::jsonb or v_value = '""'::jsonb then
      if v_def.required then
        raise exception 'custom field "%": is required', v_def.key
          using errcode = '23514', detail = v_def.key, hint = v_def.label || ' is required.';
      end if;
      if v_value is not null then
        -- store an empty optional field as absent
        new.custom_fields := new.custom_fields - v_def.key;
      end if;
      continue;
    end if;

    case v_def.field_type
      when 'text' then
        if jsonb_typeof(v_value) <> 'string' then
          raise exception 'custom field "%": must be text', v_def.key
            using errcode = '23514', detail = v_def.key;
        end if;
        v_text := v_value #>> '{}';
        if char_length(v_text) > 1000 then
          raise exception 'custom field "%": is too long (at most 1000 characters)', v_def.key
            using errcode = '23514', detail = v_def.key;
        end if;
        if v_def.pattern is not null and v_text !~ v_def.pattern then
          raise exception 'custom field "%": does not match the required format', v_def.key
            using errcode = '23514', detail = v_def.key,
                  hint = v_def.label || ' ' || v_def.format_hint || '.';
        end if;
      when 'number' then
        if jsonb_typeof(v_value) <> 'number' then
          raise exception 'custom field "%": must be a number', v_def.key
            using errcode = '23514', detail = v_def.key;
        end if;
        v_text := v_value::text;
      when 'boolean' then
        if jsonb_typeof(v_value) <> 'boolean' then
          raise exception 'custom field "%": must be true or false', v_def.key
            using errcode = '23514', detail = v_def.key;
        end if;
        v_text := v_value::text;
      when 'date' then
        v_text := v_value #>> '{}';
        if jsonb_typeof(v_value) <> 'string' or not private.is_iso_date(v_text) then
          raise exception 'custom field "%": must be a date (YYYY-MM-DD)', v_def.key
            using errcode = '23514', detail = v_def.key;
        end if;
      when 'select' then
        v_text := v_value #>> '{}';
        if jsonb_typeof(v_value) <> 'string' or not (v_text = any (v_def.options)) then
          raise exception 'custom field "%": must be one of the listed options', v_def.key
            using errcode = '23514', detail = v_def.key,
                  hint = 'Options: ' || array_to_string(v_def.options, ', ');
        end if;
    end case;
  end loop;
  return new;
end;
$$;
comment on function private.validate_patient_custom_fields() is
  'Trigger (before insert/update of patients): custom_fields against the clinic''s active definitions (type, required, format (the derived pattern), options, unknown keys). Raises 23514 with DETAIL = field key; a format refusal''s HINT names the label and the format in words ("Insurance number must look like ABC1234."), never the pattern.';

-- After insert/update: claims unique_within_clinic values in the side index.
create function private.sync_patient_unique_fields()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_def record;
  v_value text;
  v_inserted integer;
begin
  if tg_op = 'UPDATE' and new.custom_fields is not distinct from old.custom_fields then
    return null;
  end if;
  delete from private.patient_unique_field_values u
   where u.organization_id = new.organization_id and u.patient_id = new.id;
  for v_def in
    select d.key, d.label from public.patient_field_definitions d
     where d.organization_id = new.organization_id and d.active and d.unique_within_clinic
  loop
    v_value := new.custom_fields ->> v_def.key;
    continue when v_value is null or v_value = '';
    insert into private.patient_unique_field_values (organization_id, field_key, value, patient_id)
    values (new.organization_id, v_def.key, v_value, new.id)
    on conflict do nothing;
    get diagnostics v_inserted = row_count;
    if v_inserted = 0 then
      raise exception 'custom field "%": this value is already used by another patient of the clinic', v_def.key
        using errcode = '23505', detail = v_def.key, hint = v_def.label || ' must be unique.';
    end if;
  end loop;
  return null;
end;
$$;
comment on function private.sync_patient_unique_fields() is
  'Trigger (after insert/update of patients): enforces unique_within_clinic custom fields (23505, DETAIL = field key).';

-- trigger order is alphabetical: authorize (private.authorize_row_write: before the MRN counter, the
-- custom-field lock and validation see the clinic), lock, assign mrn, forbid moves, normalize,
-- birth date, patient limit, timestamps, validate
select private.add_trigger('patients_00_authorize', 'before insert', 'public.patients', 'private.authorize_row_write()');
select private.add_trigger('patients_a_assign_mrn', 'before insert', 'public.patients', 'private.assign_patient_mrn()');
select private.add_trigger('patients_b_forbid_moves', 'before update', 'public.patients', 'private.forbid_column_changes()', arguments => '{organization_id}');
select private.add_trigger('patients_c_normalize', 'before insert or update', 'public.patients', 'private.normalize_patient()');
select private.add_trigger('patients_d_check_birth_date', 'before insert or update of date_of_birth', 'public.patients', 'private.check_patient_birth_date()');
select private.add_trigger('patients_set_timestamps', 'before insert or update', 'public.patients', 'private.set_timestamps()');
select private.add_trigger('patients_validate_custom_fields', 'before insert or update', 'public.patients', 'private.validate_patient_custom_fields()');
select private.add_trigger('patients_sync_unique_fields', 'after insert or update', 'public.patients', 'private.sync_patient_unique_fields()');

-- Custom-field lock: patient writes that set custom fields hold their clinic's lock shared; field
-- definition checks (below) take it exclusive.
create function private.lock_clinic_custom_fields(p_organization_id uuid, p_exclusive boolean)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_key bigint := pg_catalog.hashtextextended('custom_fields:' || p_organization_id::text, 0);
begin
  if p_exclusive then
    perform pg_catalog.pg_advisory_xact_lock(v_key);
  else
    perform pg_catalog.pg_advisory_xact_lock_shared(v_key);
  end if;
end;
$$;
comment on function private.lock_clinic_custom_fields(uuid, boolean) is
  'Per-clinic transaction lock between patient custom-field writes (shared) and field-definition checks (exclusive).';
revoke execute on function private.lock_clinic_custom_fields(uuid, boolean) from public, anon, authenticated;

create function private.lock_patient_custom_fields()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' or new.custom_fields is distinct from old.custom_fields then
    perform private.lock_clinic_custom_fields(new.organization_id, false);
  end if;
  return new;
end;
$$;
comment on function private.lock_patient_custom_fields() is
  'Trigger (first before insert/update of patients): a patient write that sets custom fields holds its clinic''s custom-field lock shared until commit.';

-- "0" sorts before the other patients triggers, so the lock is held before validation reads the
-- definitions (each statement of the later triggers takes a fresh snapshot).
select private.add_trigger('patients_0_lock_custom_fields', 'before insert or update', 'public.patients', 'private.lock_patient_custom_fields()');

-- Privileges and policies -----------------------------------------------------------------------------
-- Who: every active member reads the clinic's patients (identity is needed by every role);
-- admins, doctors, nurses and receptionists register and edit them (demographics, custom fields,
-- archiving). Nobody deletes through the API (archive instead). mrn, search_name, created_by and
-- organization_id are not writable by any API caller.
-- (the platform's default privileges grant everything on new public tables: start from nothing)
revoke all on table public.patients, public.patient_field_definitions from anon, authenticated;
grant select on table public.patients to authenticated;
grant insert (organization_id, given_name, family_name, date_of_birth, sex, phone, email, address, custom_fields)
  on table public.patients to authenticated;
grant update (given_name, family_name, date_of_birth, sex, phone, email, address, custom_fields, archived_at)
  on table public.patients to authenticated;

-- Staff of every role see the patients of their live active clinic (a support session: of the clinic
-- it reads).
create policy patients_select on public.patients
  for select to authenticated
  using (organization_id = (select private.current_read_org_id()));

-- Admins, doctors, nurses and receptionists register patients in their clinic.
create policy patients_insert_registration on public.patients
  for insert to authenticated
  with check (organization_id = (select private.current_org_id_for(private.care_team_roles())));

-- Admins, doctors, nurses and receptionists edit demographics and archive patients of their clinic.
create policy patients_update_registration on public.patients
  for update to authenticated
  using (organization_id = (select private.current_org_id_for(private.care_team_roles())))
  with check (organization_id = (select private.current_org_id_for(private.care_team_roles())));

grant select on table public.patient_field_definitions to authenticated;
-- pattern and format_hint are derived by the database from format_kind and format_mask: nobody
-- writes them through the API.
grant insert (organization_id, key, label, field_type, options, required, format_kind, format_mask,
              unique_within_clinic, sort_order, active)
  on table public.patient_field_definitions to authenticated;
grant update (label, field_type, options, required, format_kind, format_mask, unique_within_clinic,
              sort_order, active)
  on table public.patient_field_definitions to authenticated;
grant delete on table public.patient_field_definitions to authenticated;

-- Every member of the clinic reads its field definitions (to render and validate forms); so does a
-- support session.
create policy patient_field_definitions_select on public.patient_field_definitions
  for select to authenticated
  using (organization_id = (select private.current_read_org_id()));

-- Clinic admins define fields for their clinic.
create policy patient_field_definitions_insert_admin on public.patient_field_definitions
  for insert to authenticated
  with check (organization_id = (select private.current_org_id()) and (select private.is_org_admin()));

-- Clinic admins change their clinic's field definitions.
create policy patient_field_definitions_update_admin on public.patient_field_definitions
  for update to authenticated
  using (organization_id = (select private.current_org_id()) and (select private.is_org_admin()))
  with check (organization_id = (select private.current_org_id()) and (select private.is_org_admin()));

-- Clinic admins delete their clinic's field definitions (deactivating keeps stored values visible).
create policy patient_field_definitions_delete_admin on public.patient_field_definitions
  for delete to authenticated
  using (organization_id = (select private.current_org_id()) and (select private.is_org_admin()));

-- Changing a custom patient field must not leave existing patients in a state the clinic's own
-- validation (private.validate_patient_custom_fields, which only runs when a patient's custom_fields
-- change) would refuse at their next edit, nor let a "unique" field hold duplicates. So a definition
-- that is created, reactivated or changed is checked against the stored values, and refused with a
-- count when they do not fit:
--   required        (new, reactivated, or turned on): no active (non-archived) patient may lack a value;
--   format          (new, reactivated, or changed):   every stored value must match its derived pattern;
--   options         (select; reactivated or changed): every stored value must be one of them;
--   unique          (new, reactivated, or turned on): no two patients may share a value; the side
--                   index private.patient_unique_field_values is then filled for the field (and
--                   emptied when the field stops being unique or active);
--   field_type      may change only while no patient has a value.
-- Errors: SQLSTATE 23514 (23505 for duplicates), message names the count, DETAIL = the definition
-- column at fault (for the admin form). Deactivating is always allowed (stored values stay).
--
-- Race: a patient written concurrently could slip past the count. The race is per clinic, and so is
-- the lock: a transaction-level advisory lock keyed on the clinic. Patient writes that set custom
-- fields take it shared (many at once, first trigger on patients); a field-definition check takes
-- it exclusive, so it sees every concurrent patient write of that clinic committed, and later
-- writes validate against the committed definition.

create function private.guard_patient_field_definition()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count bigint;
  v_becomes_active boolean := new.active and (tg_op = 'INSERT' or not old.active);
begin
  -- stops being unique or active: its values no longer need to be unique
  if tg_op = 'UPDATE' and old.active and old.unique_within_clinic
     and not (new.active and new.unique_within_clinic) then
    delete from private.patient_unique_field_values u
     where u.organization_id = new.organization_id and u.field_key = new.key;
  end if;

  if not new.active then
    return new;
  end if;

  if tg_op = 'UPDATE' and new.field_type is distinct from old.field_type then
    perform private.lock_clinic_custom_fields(new.organization_id, true);
    select count(*) into v_count from public.patients p
     where p.organization_id = new.organization_id and p.custom_fields ? new.key;
    if v_count > 0 then
      raise exception 'custom field "%": the type cannot change while % patient(s) have a value', new.key, v_count
        using errcode = '23514', detail = 'field_type';
    end if;
  end if;

  -- Making a field required needs no backfill: it applies to new patients and to edits of a
  -- patient's custom fields (validate_patient_custom_fields); patients registered before it lack
  -- the value and are shown as incomplete until someone fills it in.

  -- new.pattern was derived from the format by patient_field_definitions_check (runs before this)
  if new.pattern is not null
     and (v_becomes_active or new.pattern is distinct from old.pattern) then
    perform private.lock_clinic_custom_fields(new.organization_id, true);
    select count(*) into v_count from public.patients p
     where p.organization_id = new.organization_id
       and jsonb_typeof(p.custom_fields -> new.key) = 'string'
       and (p.custom_fields ->> new.key) <> ''
       and (p.custom_fields ->> new.key) !~ new.pattern;
    if v_count > 0 then
      raise exception 'custom field "%": % patient(s) have a value that does not match the new format', new.key, v_count
        using errcode = '23514',
              detail = case when new.format_kind = 'mask' then 'format_mask' else 'format_kind' end,
              hint = 'With this format, ' || new.label || ' ' || new.format_hint
                     || '. Correct those values first, or choose a format they match.';
    end if;
  end if;

  if new.options is not null
     and (v_becomes_active or new.options is distinct from old.options) then
    perform private.lock_clinic_custom_fields(new.organization_id, true);
    select count(*) into v_count from public.patients p
     where p.organization_id = new.organization_id
       and (p.custom_fields -> new.key) is not null
       and (p.custom_fields -> new.key) not in ('null'::jsonb, '""'::jsonb)
       and not ((p.custom_fields ->> new.key) = any (new.options));
    if v_count > 0 then
      raise exception 'custom field "%": % patient(s) have a value that is not among the options', new.key, v_count
        using errcode = '23514', detail = 'options',
              hint = 'Keep the options those patients use, or change their values first.';
    end if;
  end if;

  if new.unique_within_clinic and (v_becomes_active or not old.unique_within_clinic) then
    perform private.lock_clinic_custom_fields(new.organization_id, true);
    select coalesce(sum(d.n), 0) into v_count from (
      select count(*) as n from public.patients p
       where p.organization_id = new.organization_id
         and coalesce(p.custom_fields ->> new.key, '') <> ''
       group by p.custom_fields ->> new.key
      having count(*) > 1
    ) d;
    if v_count > 0 then
      raise exception 'custom field "%": % patient(s) share a value with another patient', new.key, v_count
        using errcode = '23505', detail = 'unique_within_clinic',
              hint = 'Make those values distinct first, or keep the field non-unique.';
    end if;
    delete from private.patient_unique_field_values u
     where u.organization_id = new.organization_id and u.field_key = new.key;
    insert into private.patient_unique_field_values (organization_id, field_key, value, patient_id)
    select p.organization_id, new.key, p.custom_fields ->> new.key, p.id
      from public.patients p
     where p.organization_id = new.organization_id
       and coalesce(p.custom_fields ->> new.key, '') <> '';
  end if;
  return new;
end;
$$;
comment on function private.guard_patient_field_definition() is
  'Trigger (before insert/update of patient_field_definitions): refuses format/options/unique/type changes that existing patients'' values violate (message with the count, DETAIL = column); a field may become required without a backfill (existing patients are incomplete); maintains the unique-value index for the field.';

-- runs after patient_field_definitions_check (alphabetical), so the pattern is already derived
select private.add_trigger('patient_field_definitions_guard_existing_values', 'before insert or update', 'public.patient_field_definitions', 'private.guard_patient_field_definition()');

-- Search -------------------------------------------------------------------------------------------------
-- One box for the portal: "MRN-000123" or "123" → MRN; "1980-04-02" → date of birth; anything else
-- → prefix of the normalized "family given" or "given family" name ("smi", "smith jo", "jo smi",
-- "Müller" = "muller"). Every character is a literal: `%`, `_` and `'` are no patterns, and a query
-- with no letter or digit in it matches nobody (its normalized form is empty). Longer than 100
-- characters is refused (22001), never cut or ignored.
-- Security invoker: RLS applies; the clinic is the caller's READ scope (a member's clinic, or the one
-- a live support session was granted), and the explicit org predicate lets the planner use the
-- (organization_id, …) indexes in order. Archived patients only when include_archived.
-- plan_cache_mode = force_custom_plan: plpgsql caches its statements' plans and after five calls may
-- make them generic, planned for an "average" clinic, which for a prefix that is rare across clinics
-- but common in a large one reads and sorts every match instead of walking the
-- (organization_id, search_name) index and stopping after one page (docs/benchmark.md, "Q2a large
-- p95"). Planning each call with the actual clinic costs a fraction of a millisecond.
create function public.search_patients(
  q text,
  lim integer default 25,
  off integer default 0,
  include_archived boolean default false
)
returns setof public.patients
language plpgsql
stable
security invoker
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
declare
  v_org uuid := private.current_read_org_id();
  v_q text := btrim(coalesce(q, ''));
  v_lim integer := least(greatest(coalesce(lim, 25), 1), 200);
  v_off integer := greatest(coalesce(off, 0), 0);
  v_prefix text;
begin
  if char_length(v_q) > 100 then
    raise exception 'q: the search is too long (at most 100 characters)'
      using errcode = '22001', detail = 'q';
  end if;
  if v_org is null then
    return;
  end if;
  if v_q ~* '^(mrn-?)?[0-9]{1,12}$' then
    return query
      select p.* from public.patients p
       where p.organization_id = v_org
         and p.mrn = 'MRN-' || lpad(regexp_replace(v_q, '\D', '', 'g')::bigint::text, 6, '0')
         and (include_archived or p.archived_at is null)
       limit v_lim offset v_off;
  elsif private.is_iso_date(v_q) then
    return query
      select p.* from public.patients p
       where p.organization_id = v_org
         and p.date_of_birth = v_q::date
         and (include_archived or p.archived_at is null)
       order by p.search_name, p.id
       limit v_lim offset v_off;
  else
    v_prefix := private.normalize_search_text(v_q) collate "C";
    if v_prefix = '' then
      return;
    end if;
    return query
      select p.* from public.patients p
       where p.organization_id = v_org
         and ((p.search_name >= v_prefix and p.search_name < v_prefix || chr(1114111))
           or (p.search_given_name >= v_prefix and p.search_given_name < v_prefix || chr(1114111)))
         and (include_archived or p.archived_at is null)
       order by p.search_name, p.id
       limit v_lim offset v_off;
  end if;
end;
$$;
comment on function public.search_patients(text, integer, integer, boolean) is
  'RPC: patients of the caller''s clinic (or support-session clinic) by MRN ("MRN-000123" or "123"), date of birth (YYYY-MM-DD) or name prefix ("family given" or "given family", accent/case-insensitive, every character literal), ordered by name. lim <= 200; q longer than 100 characters: 22001.';
revoke execute on function public.search_patients(text, integer, integer, boolean) from public, anon;
grant execute on function public.search_patients(text, integer, integer, boolean) to authenticated;

-- Likely duplicates --------------------------------------------------------------------------------------
-- Before registering (or saving) a patient the portal asks which patients of the caller's clinic look
-- like the same person: the same normalized family and given names and the same date of birth, or the
-- same value of a unique custom field. Security invoker (RLS applies) and scoped to the clinic the
-- caller may register patients in (care_team_roles): anyone else, another clinic's member included,
-- gets no rows, exactly as for a clinic without such patients, so it never reveals another clinic's
-- patients. p_exclude is the patient being edited.
create function public.find_patient_duplicates(
  p_given_name text,
  p_family_name text,
  p_date_of_birth date default null,
  p_custom_fields jsonb default '{}'::jsonb,
  p_exclude uuid default null
)
returns table (
  id uuid,
  mrn text,
  given_name text,
  family_name text,
  date_of_birth date,
  archived boolean,
  matched_on text
)
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_org uuid := private.current_org_id_for(private.care_team_roles());
  v_name text := private.normalize_search_text(coalesce(p_family_name, '') || ' ' || coalesce(p_given_name, '')) collate "C";
begin
  if v_org is null then
    return;
  end if;
  return query
    select p.id, p.mrn, p.given_name, p.family_name, p.date_of_birth, p.archived_at is not null,
           'name_and_date_of_birth'::text
      from public.patients p
     where p.organization_id = v_org
       and p_date_of_birth is not null and v_name <> ''
       and p.search_name = v_name
       and p.date_of_birth = p_date_of_birth
       and p.id is distinct from p_exclude
    union
    select p.id, p.mrn, p.given_name, p.family_name, p.date_of_birth, p.archived_at is not null,
           'custom_field:' || d.key
      from public.patient_field_definitions d
      join public.patients p
        on p.organization_id = d.organization_id
       and p.custom_fields -> d.key = coalesce(p_custom_fields, '{}'::jsonb) -> d.key
     where d.organization_id = v_org
       and d.active and d.unique_within_clinic
       and coalesce(p_custom_fields, '{}'::jsonb) ->> d.key <> ''
       and p.id is distinct from p_exclude
    order by 7, 4, 3
    limit 10;
end;
$$;
comment on function public.find_patient_duplicates(text, text, date, jsonb, uuid) is
  'RPC: up to 10 patients of the caller''s clinic (care team roles) that look like the one being registered: same normalized names and date of birth, or the same value of an active unique custom field (matched_on = name_and_date_of_birth or custom_field:<key>). No rows for anyone else.';
revoke execute on function public.find_patient_duplicates(text, text, date, jsonb, uuid) from public, anon;
grant execute on function public.find_patient_duplicates(text, text, date, jsonb, uuid) to authenticated;
