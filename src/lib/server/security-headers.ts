/**
 * Headers every portal response carries (hooks.server.ts, `securityHeaders`). The
 * Content-Security-Policy itself is SvelteKit's (`kit.csp` in svelte.config.js: a nonce on each
 * page's own scripts, no framing, no plugins); the Supabase origin the browser may talk to and load
 * logos from is only known at run time (`PUBLIC_SUPABASE_URL`), so it is added to that policy here.
 */

/** Two years, every clinic subdomain included; sent only over https (a browser ignores it on http). */
export const HSTS = 'max-age=63072000; includeSubDomains';

/** Directives that name the Supabase origin: logos (Storage) and the browser's own uploads. */
const SUPABASE_DIRECTIVES = ['img-src', 'connect-src'] as const;

/** Adds `origin` to the given directives of a policy that already has them. */
export function allowOrigin(
	policy: string,
	origin: string,
	directives: readonly string[] = SUPABASE_DIRECTIVES
): string {
	return policy
		.split(';')
		.map((part) => {
			const [name, ...sources] = part.trim().split(/\s+/);
			if (!directives.includes(name) || sources.includes(origin)) return part.trim();
			return [name, ...sources, origin].join(' ');
		})
		.filter(Boolean)
		.join('; ');
}

export interface SecurityContext {
	/** Served over https (adapter-node reads the proxy's `x-forwarded-proto`). */
	https: boolean;
	/** A signed-in person: the page may hold patient data, so nothing may keep a copy. */
	signedIn: boolean;
	/** The Supabase project's origin, e.g. `https://abc.supabase.co`. */
	supabaseOrigin: string;
}

/** The response with the portal's security headers (a copy when its headers are immutable). */
export function secure(response: Response, context: SecurityContext): Response {
	let out = response;
	try {
		out.headers.set('x-content-type-options', 'nosniff');
	} catch {
		// e.g. a Response from fetch(): its headers cannot change, so answer a copy
		out = new Response(response.body, response);
		out.headers.set('x-content-type-options', 'nosniff');
	}
	const h = out.headers;
	h.set('referrer-policy', 'same-origin');
	// For browsers older than CSP's frame-ancestors; the policy below says the same.
	h.set('x-frame-options', 'DENY');
	if (context.https) h.set('strict-transport-security', HSTS);
	if (context.signedIn) h.set('cache-control', 'no-store');
	const csp = h.get('content-security-policy');
	if (csp) h.set('content-security-policy', allowOrigin(csp, context.supabaseOrigin));
	return out;
}
