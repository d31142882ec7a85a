/**
 * Settings of the local Auth stand-in, read once at gateway start from `supabase/config.toml`
 * (the same file the Supabase CLI reads for `supabase start`) with environment overrides.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_URL, loadKeys, ROOT } from '../../config.ts';

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

/** `[auth.rate_limit]` (the Supabase CLI's names) and GoTrue's MFA challenge/verify limit. */
export interface RateLimits {
	/** `email_sent`: e-mails per hour, all addresses together (GOTRUE_RATE_LIMIT_EMAIL_SENT). */
	emailSent: number;
	/** `token_refresh`: `/token` requests per 5 minutes per IP (GOTRUE_RATE_LIMIT_TOKEN_REFRESH). */
	tokenRefresh: number;
	/** `sign_in_sign_ups`: per 5 minutes per IP and endpoint (GOTRUE_RATE_LIMIT_OTP). */
	signInSignUps: number;
	/** `token_verifications`: `/verify` requests per 5 minutes per IP (GOTRUE_RATE_LIMIT_VERIFY). */
	tokenVerifications: number;
	/** MFA challenge and verify requests per minute per IP (GOTRUE_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY). */
	mfaChallengeAndVerify: number;
}

export interface MfaConfig {
	/** `[auth.mfa] max_enrolled_factors`. */
	maxEnrolledFactors: number;
	/** GoTrue's MaxVerifiedFactors (not in config.toml). */
	maxVerifiedFactors: number;
	totpEnroll: boolean;
	totpVerify: boolean;
	phoneEnroll: boolean;
	phoneVerify: boolean;
	webAuthnEnroll: boolean;
	webAuthnVerify: boolean;
	/** Seconds a challenge may be verified (GoTrue's challenge_expiry_duration, 300). */
	challengeExpiry: number;
	/** Seconds after which an unverified, never challenged factor is removed (300). */
	factorExpiry: number;
}

export interface AuthConfig {
	siteUrl: string;
	redirectPatterns: RegExp[];
	jwtExp: number;
	autoconfirm: boolean;
	enableSignup: boolean;
	anonymousSignIns: boolean;
	minPasswordLength: number;
	/** Character sets of `password_requirements`: a password needs one character of each. */
	passwordRequiredCharacters: string[];
	refreshReuseInterval: number;
	otpExpiry: number;
	/** `[auth.email] max_frequency` in seconds: between two e-mails of one kind to one user. */
	emailMaxFrequency: number;
	rateLimits: RateLimits;
	/** Honour `Sb-Forwarded-For` on requests made with the secret key (hosted: off by default). */
	sbForwardedFor: boolean;
	mfa: MfaConfig;
	customAccessTokenHook: HookTarget | null;
	/** `[auth.email] double_confirm_changes`: an e-mail change needs both addresses' links. */
	doubleConfirmChanges: boolean;
	/** `[auth.email.template.<name>]`: subject and body template file (absolute path) per purpose. */
	emailTemplates: Partial<Record<EmailTemplateName, { subject?: string; contentPath?: string }>>;
	/** `[auth.hook.send_email]` (HTTP): Auth hands each e-mail to this URL instead of sending it. */
	sendEmailHook: { uri: string; secrets: string[] } | null;
}

export type EmailTemplateName =
	'invite' | 'confirmation' | 'recovery' | 'magic_link' | 'email_change';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const SYMBOLS = `!@#$%^&*()_+-=[]{};'\\:"|<>?,./\`~`;

/**
 * `password_requirements` → GoTrue's required character sets (the Supabase CLI passes these
 * strings as GOTRUE_PASSWORD_REQUIRED_CHARACTERS).
 */
export function passwordCharacterSets(requirement: string): string[] {
	switch (requirement) {
		case 'letters_digits':
			return [LOWER + UPPER, DIGITS];
		case 'lower_upper_letters_digits':
			return [LOWER, UPPER, DIGITS];
		case 'lower_upper_letters_digits_symbols':
			return [LOWER, UPPER, DIGITS, SYMBOLS];
		case '':
			return [];
		default:
			throw new Error(`[auth] unsupported password_requirements "${requirement}"`);
	}
}

/** A Go duration (`"60s"`, `"1m30s"`, `"500ms"`, `"2h"`) in seconds. */
export function parseGoDuration(text: string): number {
	const units: Record<string, number> = {
		ns: 1e-9,
		us: 1e-6,
		µs: 1e-6,
		ms: 1e-3,
		s: 1,
		m: 60,
		h: 3600
	};
	const parts = text.trim().match(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g);
	if (!parts || parts.join('') !== text.trim()) throw new Error(`[auth] bad duration "${text}"`);
	let secs = 0;
	for (const p of parts) {
		const m = /^(\d+(?:\.\d+)?)(\D+)$/.exec(p) as RegExpExecArray;
		secs += Number(m[1]) * units[m[2]];
	}
	return secs;
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

function load(): Omit<AuthConfig, 'doubleConfirmChanges' | 'emailTemplates' | 'sendEmailHook'> {
	const toml = readToml();
	const auth = toml.get('auth') ?? {};
	const email = toml.get('auth.email') ?? {};
	const rate = toml.get('auth.rate_limit') ?? {};
	const mfa = toml.get('auth.mfa') ?? {};
	const totp = toml.get('auth.mfa.totp') ?? {};
	const phone = toml.get('auth.mfa.phone') ?? {};
	const webAuthn = toml.get('auth.mfa.web_authn') ?? {};
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
	/** An `[auth.…]` number with a `SUPABASE_AUTH_…` environment override. */
	const setting = (env: string, v: TomlValue | undefined, fallback: number) =>
		process.env[env] !== undefined && process.env[env] !== ''
			? Number(process.env[env])
			: num(v, fallback);
	const flag = (env: string, v: TomlValue | undefined) => envBool(env) ?? v === true;
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
		minPasswordLength: Math.max(
			6,
			setting('SUPABASE_AUTH_MINIMUM_PASSWORD_LENGTH', auth.minimum_password_length, 6)
		),
		passwordRequiredCharacters: passwordCharacterSets(
			process.env.SUPABASE_AUTH_PASSWORD_REQUIREMENTS ??
				(typeof auth.password_requirements === 'string' ? auth.password_requirements : '')
		),
		refreshReuseInterval: num(auth.refresh_token_reuse_interval, 10),
		otpExpiry: num(email.otp_expiry, 3600),
		// GoTrue: an unset (zero) SMTP max frequency means one minute
		emailMaxFrequency:
			parseGoDuration(
				process.env.SUPABASE_AUTH_EMAIL_MAX_FREQUENCY ??
					(typeof email.max_frequency === 'string' ? email.max_frequency : '0s')
			) || 60,
		rateLimits: {
			emailSent: setting('SUPABASE_AUTH_RATE_LIMIT_EMAIL_SENT', rate.email_sent, 30),
			tokenRefresh: setting('SUPABASE_AUTH_RATE_LIMIT_TOKEN_REFRESH', rate.token_refresh, 150),
			signInSignUps: setting(
				'SUPABASE_AUTH_RATE_LIMIT_SIGN_IN_SIGN_UPS',
				rate.sign_in_sign_ups,
				30
			),
			tokenVerifications: setting(
				'SUPABASE_AUTH_RATE_LIMIT_TOKEN_VERIFICATIONS',
				rate.token_verifications,
				30
			),
			mfaChallengeAndVerify: setting(
				'SUPABASE_AUTH_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY',
				undefined,
				15
			)
		},
		sbForwardedFor: envBool('SUPABASE_AUTH_SB_FORWARDED_FOR_ENABLED') ?? false,
		mfa: {
			maxEnrolledFactors: setting(
				'SUPABASE_AUTH_MFA_MAX_ENROLLED_FACTORS',
				mfa.max_enrolled_factors,
				10
			),
			maxVerifiedFactors: 10,
			totpEnroll: flag('SUPABASE_AUTH_MFA_TOTP_ENROLL_ENABLED', totp.enroll_enabled),
			totpVerify: flag('SUPABASE_AUTH_MFA_TOTP_VERIFY_ENABLED', totp.verify_enabled),
			phoneEnroll: phone.enroll_enabled === true,
			phoneVerify: phone.verify_enabled === true,
			webAuthnEnroll: webAuthn.enroll_enabled === true,
			webAuthnVerify: webAuthn.verify_enabled === true,
			challengeExpiry: 300,
			factorExpiry: 300
		},
		customAccessTokenHook
	};
}

/** config.toml's `env(NAME)` substitution (the Supabase CLI's): the variable's value, or ''. */
function envValue(v: TomlValue | undefined): string {
	if (typeof v !== 'string') return '';
	const m = /^env\(([A-Za-z_][A-Za-z0-9_]*)\)$/.exec(v.trim());
	return m ? (process.env[m[1]] ?? '') : v;
}

/**
 * E-mail settings: templates and the Send Email hook. Locally, an unset `SEND_EMAIL_HOOK_URI`
 * defaults to the portal at SITE_URL (`<SITE_URL>/hooks/send-email`) and an unset secret to the one
 * generated per data folder (written to .env.local for the portal).
 */
function loadEmail(
	toml: Map<string, TomlTable>,
	siteUrl: string,
	localHookSecret: () => string
): Pick<AuthConfig, 'doubleConfirmChanges' | 'emailTemplates' | 'sendEmailHook'> {
	const email = toml.get('auth.email') ?? {};
	const emailTemplates: AuthConfig['emailTemplates'] = {};
	for (const name of [
		'invite',
		'confirmation',
		'recovery',
		'magic_link',
		'email_change'
	] as const) {
		const t = toml.get(`auth.email.template.${name}`);
		if (!t) continue;
		const contentPath = envValue(t.content_path);
		emailTemplates[name] = {
			subject: typeof t.subject === 'string' ? t.subject : undefined,
			// the CLI resolves content_path from the project directory
			contentPath: contentPath ? join(ROOT, contentPath) : undefined
		};
	}
	const hook = toml.get('auth.hook.send_email') ?? {};
	const enabled = envBool('SUPABASE_AUTH_HOOK_SEND_EMAIL_ENABLED') ?? hook.enabled === true;
	let sendEmailHook: AuthConfig['sendEmailHook'] = null;
	if (enabled) {
		const uri = envValue(hook.uri) || `${siteUrl.replace(/\/+$/, '')}/hooks/send-email`;
		const secrets = (envValue(hook.secrets) || localHookSecret()).split('|').filter(Boolean);
		if (/^https?:\/\//.test(uri)) sendEmailHook = { uri, secrets };
		else console.error(`[auth] send_email hook: only http(s) URIs are supported here, not ${uri}`);
	}
	return {
		doubleConfirmChanges: email.double_confirm_changes !== false,
		emailTemplates,
		sendEmailHook
	};
}

export const authConfig: AuthConfig = {
	...load(),
	...loadEmail(
		readToml(),
		process.env.SITE_URL ?? siteUrlFromToml(),
		() => loadKeys().sendEmailHookSecret
	)
};

function siteUrlFromToml(): string {
	const auth = readToml().get('auth') ?? {};
	return typeof auth.site_url === 'string' ? auth.site_url : 'http://localhost:3000';
}

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
