/**
 * Tenant resolution from the request host: `<slug>.<root domain>` or a mapped custom domain
 * selects a clinic; the bare root domain is the platform's own site.
 */

export type Tenant =
	{ kind: 'platform'; host: string } | { kind: 'clinic'; host: string; slug: string | null };

/** Strips the port and lower-cases; returns '' for a missing host. */
export function normalizeHost(host: string | null | undefined): string {
	if (!host) return '';
	return host.trim().toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
}

/**
 * Classifies a host against the root domain. A direct subdomain of the root gives its slug; any
 * other host is a candidate custom domain (slug null) that the database maps, or does not.
 */
export function resolveTenant(rawHost: string | null | undefined, root: string): Tenant {
	const host = normalizeHost(rawHost);
	const rootHost = normalizeHost(root);
	if (!host || host === rootHost || host === `www.${rootHost}` || host === '127.0.0.1') {
		return { kind: 'platform', host };
	}
	if (host.endsWith(`.${rootHost}`)) {
		const label = host.slice(0, -(rootHost.length + 1));
		if (!label.includes('.')) return { kind: 'clinic', host, slug: label };
	}
	return { kind: 'clinic', host, slug: null };
}
