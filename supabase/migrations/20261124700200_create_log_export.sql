-- public.log_export(kind, row_count): the admin console records each data export in the clinic's
-- hash-chained audit_log (action 'export', table_name = the exported table, no row id,
-- changes = {"kind", "format", "row_count"}). Clinic admins only.

create or replace function private.log_export(p_kind text, p_row_count integer)
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_org uuid := private.current_org_id();
  v_table text := split_part(coalesce(p_kind, ''), '.', 1);
  v_format text := split_part(coalesce(p_kind, ''), '.', 2);
begin
  if v_org is null or not private.is_org_admin() then
    raise exception 'Only clinic admins can export clinic data' using errcode = '42501';
  end if;
  if p_kind is null
     or p_kind !~ '^(patients|visits|visit_notes|lab_orders|prescriptions)\.(csv|json)$' then
    raise exception 'Unknown export kind: %', p_kind
      using errcode = '22023', hint = 'Use <table>.<csv|json> with one of patients, visits, visit_notes, lab_orders, prescriptions.';
  end if;
  if p_row_count is null or p_row_count < 0 then
    raise exception 'row_count must be zero or more' using errcode = '22023';
  end if;
  return private.write_audit(
    v_org, 'export'::public.audit_action, v_table, null,
    jsonb_build_object('kind', p_kind, 'format', v_format, 'row_count', p_row_count)
  );
end;
$$;
comment on function private.log_export(text, integer) is
  'Records a data export by a clinic admin in the clinic''s audit_log (action export).';

create or replace function public.log_export(kind text, row_count integer)
returns bigint
language sql
volatile
security invoker
set search_path = ''
as $$
  select private.log_export(kind, row_count);
$$;
comment on function public.log_export(text, integer) is
  'RPC (clinic admins): record that <table>.<csv|json> was exported with row_count rows. Raises 42501 for non-admins, 22023 for an unknown kind. Returns the audit row id.';

revoke execute on function private.log_export(text, integer), public.log_export(text, integer) from public, anon;
grant execute on function private.log_export(text, integer), public.log_export(text, integer) to authenticated;
