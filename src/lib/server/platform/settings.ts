/** Global settings: the public part read on every request (briefly cached), and updates. */
import type { Db } from '../db';
import { readOrThrow } from '../reads';

export type PublicSettings = { maintenanceBanner: string | null; idleTimeoutMinutes: number };

const DEFAULTS: PublicSettings = { maintenanceBanner: null, idleTimeoutMinutes: 60 };
const CACHE_MS = 3_000;
let cached: { at: number; value: PublicSettings } | undefined;

/**
 * Banner and idle timeout: on a clinic host from the request context (already loaded, no call);
 * elsewhere via get_public_settings() (anon may call it), cached for 3 seconds.
 */
export async function publicSettings(opts: {
	supabase: Db;
	context?: { settings: PublicSettings } | null;
}): Promise<PublicSettings> {
	if (opts.context) return opts.context.settings;
	if (cached && Date.now() - cached.at < CACHE_MS) return cached.value;
	const { data, error } = await opts.supabase.rpc('get_public_settings').maybeSingle();
	if (error) {
		console.error('get_public_settings failed', error.message);
		return cached?.value ?? DEFAULTS;
	}
	const value: PublicSettings = data
		? {
				maintenanceBanner: data.maintenance_banner,
				idleTimeoutMinutes: data.session_idle_timeout_minutes
			}
		: DEFAULTS;
	cached = { at: Date.now(), value };
	return value;
}

export async function readSettings(opts: { supabase: Db }) {
	const data = await readOrThrow(
		'platform_settings failed',
		opts.supabase
			.from('platform_settings')
			.select('maintenance_banner, session_idle_timeout_minutes')
			.maybeSingle()
	);
	return data;
}

export async function updateSettings(opts: {
	supabase: Db;
	maintenanceBanner: string;
	idleTimeoutMinutes: number;
}): Promise<void> {
	const { error } = await opts.supabase.rpc('platform_update_settings', {
		maintenance_banner: opts.maintenanceBanner,
		session_idle_timeout_minutes: opts.idleTimeoutMinutes
	});
	if (error) throw new Error(`platform_update_settings failed: ${error.message}`);
	cached = undefined;
}

export async function platformAuditLog(opts: { supabase: Db; limit: number }) {
	const data = await readOrThrow(
		'platform_audit_log failed',
		opts.supabase
			.from('platform_audit_log')
			.select('id, actor_id, action, organization_id, details, created_at')
			.order('id', { ascending: false })
			.limit(opts.limit)
	);
	return data ?? [];
}
