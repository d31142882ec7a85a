-- Pre-login branding: the sign-in page of `<slug>.<root domain>` or of a mapped custom domain shows
-- the clinic's name, logo and colours before anyone signs in. anon may not read organizations, so
-- this returns only public fields for one host (never id, plan, or the suspension reason).

create or replace function private.branding_for_host(p_host text)
returns table (
  slug text,
  name text,
  type public.organization_type,
  logo_path text,
  theme_color text,
  sign_in_message text,
  status public.organization_status
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  -- Host header form: case-insensitive, optional :port, optional trailing dot
  v_host text := rtrim(
    regexp_replace(lower(btrim(coalesce(p_host, ''))), ':[0-9]*$', ''),
    '.'
  );
begin
  if v_host = '' or char_length(v_host) > 253 then
    return;
  end if;

  -- a mapped custom domain wins
  return query
    select o.slug, o.name, o.type, o.logo_path, o.theme_color, o.sign_in_message, o.status
      from public.organization_domains d
      join public.organizations o on o.id = d.organization_id
     where d.domain = v_host;
  if found then
    return;
  end if;

  -- else `<slug>.<anything>`: the first label of a host with at least two labels
  if position('.' in v_host) > 0 then
    return query
      select o.slug, o.name, o.type, o.logo_path, o.theme_color, o.sign_in_message, o.status
        from public.organizations o
       where o.slug = split_part(v_host, '.', 1);
  end if;
end;
$$;
comment on function private.branding_for_host(text) is
  'Public branding fields of the organization serving a host (custom domain, else <slug>.<anything>).';

create or replace function public.get_branding(host text)
returns table (
  slug text,
  name text,
  type public.organization_type,
  logo_path text,
  theme_color text,
  sign_in_message text,
  status public.organization_status
)
language sql
stable
security invoker
set search_path = ''
as $$
  select * from private.branding_for_host(host);
$$;
comment on function public.get_branding(text) is
  'RPC for sign-in pages (anon allowed): slug, name, type, logo_path, theme_color, sign_in_message and status of the organization serving a host; no row when none.';

revoke execute on function private.branding_for_host(text), public.get_branding(text) from public;
grant execute on function private.branding_for_host(text), public.get_branding(text)
  to anon, authenticated, service_role;
