-- Storage for clinic logos. The bucket is public: sign-in pages show logos before login through
-- public URLs, which bypass RLS. Objects live at `<organization_id>/<file name>`; only admins of
-- that organization (live check) may list, upload, replace or delete them. Raster images only:
-- SVG and HTML could carry scripts. Also declared in config.toml [storage.buckets.branding].

insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values (
  'branding',
  'branding',
  true,
  2097152, -- 2 MiB
  array['image/png', 'image/jpeg', 'image/webp', 'image/gif']
)
on conflict (id) do nothing;

-- Admins of the live active organization list and read their organization's folder (upsert needs it).
create policy objects_select_branding_admin on storage.objects
  for select to authenticated
  using (
    bucket_id = 'branding'
    and (storage.foldername(name))[1] = (select private.current_org_id())::text
    and (select private.is_org_admin())
  );

-- Admins of the live active organization upload to `<their organization id>/<file>` only: exactly
-- one folder named by the lower-case id, a plain file name, no `..`, no empty segments.
create policy objects_insert_branding_admin on storage.objects
  for insert to authenticated
  with check (
    bucket_id = 'branding'
    and (storage.foldername(name))[1] = (select private.current_org_id())::text
    and name ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$'
    and position('..' in name) = 0
    and (select private.is_org_admin())
  );

-- Admins of the live active organization replace or rename objects within their folder only.
create policy objects_update_branding_admin on storage.objects
  for update to authenticated
  using (
    bucket_id = 'branding'
    and (storage.foldername(name))[1] = (select private.current_org_id())::text
    and (select private.is_org_admin())
  )
  with check (
    bucket_id = 'branding'
    and (storage.foldername(name))[1] = (select private.current_org_id())::text
    and name ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$'
    and position('..' in name) = 0
    and (select private.is_org_admin())
  );

-- Admins of the live active organization delete objects in their folder only.
create policy objects_delete_branding_admin on storage.objects
  for delete to authenticated
  using (
    bucket_id = 'branding'
    and (storage.foldername(name))[1] = (select private.current_org_id())::text
    and (select private.is_org_admin())
  );
