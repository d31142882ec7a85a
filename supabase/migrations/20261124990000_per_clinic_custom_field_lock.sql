-- One clinic's admin changing a custom field locked the whole patients table (every clinic's
-- patient writes waited). The race it closes is per clinic, so the lock is too: a transaction-level
-- advisory lock keyed on the clinic. Patient writes that set custom fields take it shared (many at
-- once); a field-definition check takes it exclusive, so it sees every concurrent patient write of
-- that clinic committed, and later writes validate against the committed definition.

create or replace function private.lock_clinic_custom_fields(p_organization_id uuid, p_exclusive boolean)
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

create or replace function private.lock_patient_custom_fields()
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
revoke execute on function private.lock_patient_custom_fields() from public, anon, authenticated;

-- "0" sorts before the other patients triggers, so the lock is held before validation reads the
-- definitions (each statement of the later triggers takes a fresh snapshot).
create trigger patients_0_lock_custom_fields
  before insert or update on public.patients
  for each row execute function private.lock_patient_custom_fields();

create or replace function private.guard_patient_field_definition()
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

  if new.required and (v_becomes_active or not old.required) then
    perform private.lock_clinic_custom_fields(new.organization_id, true);
    select count(*) into v_count from public.patients p
     where p.organization_id = new.organization_id
       and p.archived_at is null
       and coalesce(p.custom_fields -> new.key, 'null'::jsonb) in ('null'::jsonb, '""'::jsonb);
    if v_count > 0 then
      raise exception 'custom field "%": cannot be required while % active patient(s) have no value', new.key, v_count
        using errcode = '23514', detail = 'required',
              hint = 'Fill in the value for those patients first, or keep the field optional.';
    end if;
  end if;

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
        using errcode = '23514', detail = 'pattern',
              hint = 'Correct those values first, or choose a format they match.';
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

