-- Role-restricted policies scope rows with ONE statement-level value (issue 9, docs/benchmark.md).
--
-- Before: `organization_id = (select private.current_org_id())
--          and (select private.current_org_role()) in ('admin', 'doctor', ...)`.
-- The role check is a qual without columns, but as a security-barrier qual PostgreSQL leaves it on
-- the scan as a per-row Filter and estimates it like any `= ANY` filter (2 % of the rows). On the
-- dashboard's "recent visits ⋈ patients" that estimate turns the ordered index scan + LIMIT into
-- "read every visit of the clinic, then sort": 47 × slower than the owner on the large clinic
-- of the benchmark (p50 17.9 ms vs 0.38 ms), growing with the clinic.
--
-- After: `organization_id = (select private.current_org_id_for(array[...roles]))`: the org id when the
-- caller's live membership has one of the roles, else null (no rows). Same meaning (both helpers read
-- the same live active membership in the same active organization), one InitPlan, one index
-- condition, no per-row filter, and one membership lookup instead of two.

create or replace function private.current_org_id_for(p_roles public.member_role[])
returns uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_claim text := auth.jwt() ->> 'organization_id';
  v_org_id uuid;
begin
  if v_claim is null
     or v_claim !~ '^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$' then
    return null;
  end if;
  select m.organization_id
    into v_org_id
    from public.memberships m
    join public.organizations o on o.id = m.organization_id
   where m.user_id = auth.uid()
     and m.organization_id = v_claim::uuid
     and m.status = 'active'
     and o.status = 'active'
     and m.role = any (p_roles);
  return v_org_id;
end;
$$;
comment on function private.current_org_id_for(public.member_role[]) is
  'The JWT organization_id claim if the caller still has an active membership with one of p_roles in that active organization; else null. Policies compare organization_id with it (wrapped in select) so the role check is part of the one index condition.';
revoke execute on function private.current_org_id_for(public.member_role[]) from public, anon;
grant execute on function private.current_org_id_for(public.member_role[]) to authenticated, service_role;

-- patients (reads stay open to every role: patients_select is unchanged) -----------------------------
alter policy patients_insert_registration on public.patients
  with check (organization_id = (select private.current_org_id_for('{admin,doctor,nurse,receptionist}')));
alter policy patients_update_registration on public.patients
  using (organization_id = (select private.current_org_id_for('{admin,doctor,nurse,receptionist}')))
  with check (organization_id = (select private.current_org_id_for('{admin,doctor,nurse,receptionist}')));

-- visits ------------------------------------------------------------------------------------------------
alter policy visits_select_care_team on public.visits
  using (organization_id = (select private.current_org_id_for('{admin,doctor,nurse,receptionist}')));
alter policy visits_insert_care_team on public.visits
  with check (organization_id = (select private.current_org_id_for('{admin,doctor,nurse,receptionist}')));
alter policy visits_update_care_team on public.visits
  using (organization_id = (select private.current_org_id_for('{admin,doctor,nurse,receptionist}')))
  with check (organization_id = (select private.current_org_id_for('{admin,doctor,nurse,receptionist}')));

-- visit_notes -------------------------------------------------------------------------------------------
alter policy visit_notes_select_clinical on public.visit_notes
  using (organization_id = (select private.current_org_id_for('{admin,doctor,nurse}')));
alter policy visit_notes_insert_clinician on public.visit_notes
  with check (organization_id = (select private.current_org_id_for('{doctor,nurse}')));
alter policy visit_notes_update_clinician on public.visit_notes
  using (organization_id = (select private.current_org_id_for('{doctor,nurse}')))
  with check (organization_id = (select private.current_org_id_for('{doctor,nurse}')));

-- lab_orders --------------------------------------------------------------------------------------------
alter policy lab_orders_select_clinical on public.lab_orders
  using (organization_id = (select private.current_org_id_for('{admin,doctor,nurse,lab_technician}')));
alter policy lab_orders_insert_clinician on public.lab_orders
  with check (organization_id = (select private.current_org_id_for('{doctor,nurse}')));
alter policy lab_orders_update_clinical on public.lab_orders
  using (organization_id = (select private.current_org_id_for('{doctor,nurse,lab_technician}')))
  with check (organization_id = (select private.current_org_id_for('{doctor,nurse,lab_technician}')));

-- prescriptions -----------------------------------------------------------------------------------------
alter policy prescriptions_select_clinical on public.prescriptions
  using (organization_id = (select private.current_org_id_for('{admin,doctor,nurse,pharmacist}')));
alter policy prescriptions_insert_doctor on public.prescriptions
  with check (organization_id = (select private.current_org_id_for('{doctor}')));
alter policy prescriptions_update_prescriber_pharmacist on public.prescriptions
  using (organization_id = (select private.current_org_id_for('{doctor,pharmacist}')))
  with check (organization_id = (select private.current_org_id_for('{doctor,pharmacist}')));
