-- search_patients filters by the caller's clinic explicitly (the benchmark's R2 form), but as a
-- plpgsql function its statements' plans are cached and, after five calls, may become generic:
-- planned for an "average" clinic, which for a prefix that is rare across clinics but common in a
-- large one reads and sorts every match instead of walking the (organization_id, search_name)
-- index and stopping after one page (docs/benchmark.md, "Q2a large p95"). Planning each call with
-- the actual clinic costs a fraction of a millisecond and keeps the right plan for every clinic.
alter function public.search_patients(text, integer, integer, boolean)
  set plan_cache_mode = force_custom_plan;
