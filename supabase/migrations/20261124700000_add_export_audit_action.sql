-- Exports of clinical data are audited (public.log_export): a new audit action. Its own migration
-- because a new enum value cannot be used in the transaction that adds it. The hash chain covers
-- it unchanged: private.audit_row_content() hashes the action's text like every other action.
alter type public.audit_action add value if not exists 'export';
comment on type public.audit_action is
  'What happened to the audited row (view = a chart was opened, export = a clinic admin exported data).';
