// See https://svelte.dev/docs/kit/types#app.d.ts
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '$lib/database.types';
import type { Branding, Tenant } from '$lib/tenant';
import type { RequestContext } from '$lib/server/request-context';
import type { PlatformCaller } from '$lib/server/platform/guard';

/** Verified JWT claims (from `auth.getClaims()`), including the custom hook's tenant claims. */
export interface VerifiedClaims {
	sub: string;
	email?: string;
	role?: string;
	session_id?: string;
	organization_id?: string;
	org_role?: string;
	is_platform_admin?: boolean;
	/** Auth's assurance level: aal2 once the session verified a second factor. */
	aal?: string;
	/** From the access token hook: this person must sign in with a second factor. */
	two_factor_required?: boolean;
	exp: number;
	[key: string]: unknown;
}

declare global {
	namespace App {
		interface Error {
			message: string;
			errorId?: string;
		}
		interface Locals {
			supabase: SupabaseClient<Database>;
			/** Claims verified against the JWKS, or null when signed out. Never from getSession(). */
			safeGetClaims: () => Promise<VerifiedClaims | null>;
			tenant: Tenant;
			/** Public branding of the host's clinic; null on the platform domain or an unknown host. */
			branding: Branding | null;
			/**
			 * Per-request context of a clinic host (branding, settings, the caller's clinics and
			 * support access), loaded once by the hook in one call; null on the platform domain.
			 */
			context: RequestContext | null;
			/** The platform console's one check of this request (platform/guard.ts), once made. */
			platformAdmin?: Promise<PlatformCaller>;
		}
		interface PageData {
			claims?: VerifiedClaims | null;
			/** The clinic's IANA time zone, on every clinic page (from the (app) layout). */
			timeZone?: string;
		}
	}
}

export {};
