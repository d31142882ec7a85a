-- Changing a custom patient field must not leave existing patients in a state the clinic's own
-- validation (private.validate_patient_custom_fields, which only runs when a patient's custom_fields
-- change) would refuse at their next edit, nor let a "unique" field hold duplicates. So a definition
-- that is created, reactivated or changed is checked against the stored values, and refused with a
-- count when they do not fit:
--   required        (new, reactivated, or turned on): no active (non-archived) patient may lack a value;
--   pattern         (new, reactivated, or changed):   every stored value must match it;
--   options         (select; reactivated or changed): every stored value must be one of them;
--   unique          (new, reactivated, or turned on): no two patients may share a value; the side
--                   index private.patient_unique_field_values is then filled for the field (and
--                   emptied when the field stops being unique or active);
--   field_type      may change only while no patient has a value.
-- Errors: SQLSTATE 23514 (23505 for duplicates), message names the count, DETAIL = the definition
-- column at fault (for the admin form). Deactivating is always allowed (stored values stay).
--
-- Race: a patient written concurrently could slip past the count. While a check runs, the function
-- takes SHARE lock on patients (blocks patient writes until this statement's transaction ends,
-- normally one short API request); patient writes that were waiting then validate against the
-- committed definition (READ COMMITTED: each trigger statement reads a fresh snapshot).

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
    lock table public.patients in share mode;
    select count(*) into v_count from public.patients p
     where p.organization_id = new.organization_id and p.custom_fields ? new.key;
    if v_count > 0 then
      raise exception 'custom field "%": the type cannot change while % patient(s) have a value', new.key, v_count
        using errcode = '23514', detail = 'field_type';
    end if;
  end if;

  if new.required and (v_becomes_active or not old.required) then
    lock table public.patients in share mode;
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
    lock table public.patients in share mode;
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
    lock table public.patients in share mode;
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
    lock table public.patients in share mode;
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
  'Trigger (before insert/update of patient_field_definitions): refuses required/pattern/options/unique/type changes that existing patients'' values violate (message with the count, DETAIL = column); maintains the unique-value index for the field.';
revoke execute on function private.guard_patient_field_definition() from public, anon, authenticated;

-- runs after patient_field_definitions_check (alphabetical), so a pattern has already compiled
create trigger patient_field_definitions_guard_existing_values
  before insert or update on public.patient_field_definitions
  for each row execute function private.guard_patient_field_definition();
