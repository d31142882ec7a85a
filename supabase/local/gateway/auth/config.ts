/**
 * Settings of the local Auth stand-in, read once at gateway start from `supabase/config.toml`
 * (the same file the Supabase CLI reads for `supabase start`) with environment overrides.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_URL, ROOT } from '../../config.ts';

type TomlValue = string | number | boolean | TomlValue[];
type TomlTable = Record<string, TomlValue>;

/** Indices of the characters of `text` outside double- or single-quoted strings. */
function* unquoted(text: string): Generator<number> {
	let quote: string | null = null;
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (quote) {
			if (c === '\\' && quote === '"') i++;
			else if (c === quote) quote = null;
		} else if (c === '"' || c === "'") quote = c;
		else yield i;
	}
}

/** Strips a `#` comment that is not inside a double- or single-quoted string. */
function stripComment(line: string): string {
	for (const i of unquoted(line)) if (line[i] === '#') return line.slice(0, i);
	return line;
}

function parseValue(text: string): TomlValue {
	const v = text.trim();
	if (v.startsWith('"')) return JSON.parse(v) as string;
	if (v.startsWith("'")) return v.slice(1, -1);
	if (v === 'true' || v === 'false') return v === 'true';
	if (v.startsWith('[')) {
		const inner = v.slice(1, -1).trim();
		if (!inner) return [];
		const items: string[] = [];
		let start = 0;
		for (const i of unquoted(inner)) {
			if (inner[i] === ',') {
				items.push(inner.slice(start, i));
				start = i + 1;
			}
		}
		items.push(inner.slice(start));
		return items
			.map((s) => s.trim())
			.filter(Boolean)
			.map(parseValue);
	}
	const n = Number(v.replace(/_/g, ''));
	return Number.isNaN(n) ? v : n;
}

/**
 * A minimal TOML reader for config.toml: `[dotted.tables]`, `key = value` with strings, booleans,
 * numbers and arrays (multi-line arrays joined). Returns a map from table name to its keys.
 */
export function parseToml(text: string): Map<string, TomlTable> {
	const tables = new Map<string, TomlTable>([['', {}]]);
	let current = tables.get('') as TomlTable;
	const lines = text.split(/\r?\n/);
	for (let i = 0; i < lines.length; i++) {
		let line = stripComment(lines[i]).trim();
		if (!line) continue;
		const header = /^\[([^\]]+)\]$/.exec(line);
		if (header) {
			const name = header[1].trim();
			if (!tables.has(name)) tables.set(name, {});
			current = tables.get(name) as TomlTable;
			continue;
		}
		const eq = line.indexOf('=');
		if (eq < 0) continue;
		const key = line.slice(0, eq).trim().replace(/^"|"$/g, '');
		let value = line.slice(eq + 1).trim();
		while (value.startsWith('[') && !value.endsWith(']') && i + 1 < lines.length) {
			line = stripComment(lines[++i]).trim();
			value += line;
		}
		try {
			current[key] = parseValue(value);
		} catch {
			/* a value this reader does not understand is not one auth needs */
		}
	}
	return tables;
}

function readToml(): Map<string, TomlTable> {
	const file = join(ROOT, 'supabase', 'config.toml');
	if (!existsSync(file)) return new Map();
	return parseToml(readFileSync(file, 'utf8'));
}

function envBool(name: string): boolean | undefined {
	const v = process.env[name];
	if (v === undefined || v === '') return undefined;
	return /^(1|true|yes|on)$/i.test(v);
}

export interface HookTarget {
	schema: string;
	fn: string;
	uri: string;
}

/** `pg-functions://<database>/<schema>/<function>` → schema and function names. */
export function parseHookUri(uri: string): HookTarget | null {
	const m = /^pg-functions:\/\/[^/]+\/([^/]+)\/([^/]+)$/.exec(uri.trim());
	return m ? { schema: m[1], fn: m[2], uri } : null;
}

export interface AuthConfig {
	siteUrl: string;
	redirectPatterns: RegExp[];
	jwtExp: number;
	autoconfirm: boolean;
	enableSignup: boolean;
	anonymousSignIns: boolean;
	minPasswordLength: number;
	refreshReuseInterval: number;
	otpExpiry: number;
	customAccessTokenHook: HookTarget | null;
}

/**
 * Compiles an allow-list entry the way GoTrue does (gobwas/glob with separators `.` and `/`):
 * `*` matches within one host label or path segment, `**` matches anything.
 */
export function globToRegExp(pattern: string): RegExp {
	let out = '';
	for (let i = 0; i < pattern.length; i++) {
		const c = pattern[i];
		if (c === '*' && pattern[i + 1] === '*') {
			out += '.*';
			i++;
		} else if (c === '*') out += '[^./]*';
		else if (c === '?') out += '[^./]';
		else out += c.replace(/[\\^$+.()|{}[\]]/g, '\\$&');
	}
	return new RegExp(`^${out}$`);
}

function load(): AuthConfig {
	const toml = readToml();
	const auth = toml.get('auth') ?? {};
	const email = toml.get('auth.email') ?? {};
	const hook = toml.get('auth.hook.custom_access_token') ?? {};
	const siteUrl =
		process.env.SITE_URL ??
		(typeof auth.site_url === 'string' ? auth.site_url : 'http://localhost:3000');
	const extra = process.env.ADDITIONAL_REDIRECT_URLS
		? process.env.ADDITIONAL_REDIRECT_URLS.split(',').map((s) => s.trim())
		: Array.isArray(auth.additional_redirect_urls)
			? auth.additional_redirect_urls.map(String)
			: [];
	const hookUri =
		process.env.SUPABASE_AUTH_HOOK_CUSTOM_ACCESS_TOKEN_URI ??
		(typeof hook.uri === 'string' ? hook.uri : '');
	const hookEnabled =
		envBool('SUPABASE_AUTH_HOOK_CUSTOM_ACCESS_TOKEN_ENABLED') ??
		(process.env.SUPABASE_AUTH_HOOK_CUSTOM_ACCESS_TOKEN_URI ? true : hook.enabled === true);
	const num = (v: TomlValue | undefined, fallback: number) =>
		typeof v === 'number' ? v : fallback;
	const customAccessTokenHook = hookEnabled && hookUri ? parseHookUri(hookUri) : null;
	if (hookEnabled && hookUri && !customAccessTokenHook) {
		console.error(`[auth] ignoring custom access token hook with unsupported uri ${hookUri}`);
	}
	return {
		siteUrl,
		redirectPatterns: extra.filter(Boolean).map(globToRegExp),
		jwtExp: Number(process.env.SUPABASE_JWT_EXP ?? num(auth.jwt_expiry, 3600)),
		autoconfirm: envBool('SUPABASE_AUTH_AUTOCONFIRM') ?? !(email.enable_confirmations === true),
		enableSignup: envBool('SUPABASE_AUTH_ENABLE_SIGNUP') ?? auth.enable_signup !== false,
		anonymousSignIns: auth.enable_anonymous_sign_ins === true,
		minPasswordLength: Math.max(6, num(auth.minimum_password_length, 6)),
		refreshReuseInterval: num(auth.refresh_token_reuse_interval, 10),
		otpExpiry: num(email.otp_expiry, 3600),
		customAccessTokenHook
	};
}

export const authConfig: AuthConfig = load();

/** `${API_URL}/auth/v1`: the issuer and the base of e-mail links. */
export const AUTH_URL = `${process.env.SUPABASE_PUBLIC_URL ?? API_URL}/auth/v1`;

/** GoTrue's IsRedirectURLValid: same host as SITE_URL, or matching an allow-list pattern. */
export function isRedirectAllowed(target: string): boolean {
	if (!target) return false;
	let ref: URL;
	try {
		ref = new URL(target);
	} catch {
		return false;
	}
	try {
		if (new URL(authConfig.siteUrl).hostname === ref.hostname) return true;
	} catch {
		/* a bad site url allows nothing by host */
	}
	return authConfig.redirectPatterns.some((re) => re.test(target));
}

/** The redirect a request asked for if allowed, else SITE_URL (GoTrue GetReferrer). */
export function redirectTarget(requested: string | null | undefined): string {
	return requested && isRedirectAllowed(requested) ? requested : authConfig.siteUrl;
}

/** `GET /settings`: which providers and sign-up options this Auth server has. */
export function publicSettings() {
	return {
		external: { email: true, phone: false, anonymous_users: authConfig.anonymousSignIns },
		disable_signup: !authConfig.enableSignup,
		mailer_autoconfirm: authConfig.autoconfirm,
		phone_autoconfirm: false,
		sms_provider: '',
		saml_enabled: false
	};
}
