/**
 * Who a request is for, decided by its host (see `$lib/server/tenant`), and the clinic's public
 * branding shown before sign-in. Types only: safe for the browser.
 */

/** The platform's own site, or a clinic's address (slug null for a candidate custom domain). */
export type Tenant =
	{ kind: 'platform'; host: string } | { kind: 'clinic'; host: string; slug: string | null };

/** Public branding of a clinic, as shown before sign-in (safe to send to browsers). */
export interface Branding {
	slug: string;
	name: string;
	type: string;
	logoUrl: string | null;
	themeColor: string;
	textColor: string;
	signInMessage: string | null;
	suspended: boolean;
}
