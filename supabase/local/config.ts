/**
 * Settings of the Docker-free local runtime. Ports and URL shapes follow the Supabase CLI's
 * (API 54321, DB 54322, mailbox 54324) so one `.env` works here and against `supabase start`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync, randomBytes, randomUUID, createHmac } from 'node:crypto';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const DATA_DIR = resolve(process.env.SUPABASE_LOCAL_DIR ?? join(ROOT, '.supabase-local'));
export const PG_DATA = join(DATA_DIR, 'pg');
export const STORAGE_DIR = join(DATA_DIR, 'storage');
export const KEYS_FILE = join(DATA_DIR, 'keys.json');
/** The gateway's supervisor (`supervisor.ts`); `gateway-child.pid` is the gateway it runs now. */
export const GATEWAY_PID = join(DATA_DIR, 'gateway.pid');
export const GATEWAY_CHILD_PID = join(DATA_DIR, 'gateway-child.pid');
export const GATEWAY_LOG = join(DATA_DIR, 'gateway.log');

export const DB_PORT = Number(process.env.SUPABASE_DB_PORT ?? 54322);
export const API_PORT = Number(process.env.SUPABASE_API_PORT ?? 54321);
export const MAIL_PORT = Number(process.env.SUPABASE_MAIL_PORT ?? 54324);
/** The mailbox's SMTP port (the Supabase CLI's Inbucket/Mailpit `smtp_port`). */
export const SMTP_PORT = Number(process.env.SUPABASE_SMTP_PORT ?? 54325);
export const HOST = '127.0.0.1';

/**
 * Ports the portal is served on: `npm run dev` (DEV_PORT, Vite), `npm start` (PORT, the production
 * build) and the browser tests (E2E_APP_PORT).
 */
export const PORTAL_PORTS = {
	dev: Number(process.env.DEV_PORT ?? 5173),
	start: Number(process.env.PORT ?? 4173),
	e2e: Number(process.env.E2E_APP_PORT ?? 4173)
};

/**
 * The site URL of test runs (tests/run.ts and the tests' global setup): the browser tests' build, so
 * the Send Email hook and the links Auth builds on the site URL reach the portal under test.
 */
export const TEST_SITE_URL = `http://localhost:${PORTAL_PORTS.e2e}`;

/**
 * Auth's site URL and redirect allow-list. config.toml reads both with `env()`, so hosted values
 * come from the environment of `supabase config push`; for the local runtime they default to the
 * portal's ports: the site is the dev server, and Auth may send people back to any of the portal's
 * ports on localhost and on every clinic's `*.localhost` address.
 */
export function authUrlEnv(): { SITE_URL: string; ADDITIONAL_REDIRECT_URLS: string } {
	const ports = [...new Set([PORTAL_PORTS.dev, PORTAL_PORTS.start, PORTAL_PORTS.e2e])];
	return {
		SITE_URL: process.env.SITE_URL || `http://localhost:${PORTAL_PORTS.dev}`,
		ADDITIONAL_REDIRECT_URLS:
			process.env.ADDITIONAL_REDIRECT_URLS ||
			ports.flatMap((p) => [`http://localhost:${p}/**`, `http://*.localhost:${p}/**`]).join(',')
	};
}

export const API_URL = `http://${HOST}:${API_PORT}`;
export const MAIL_URL = `http://${HOST}:${MAIL_PORT}`;
/**
 * `postgres`, as on hosted Supabase: not a superuser; applies migrations and seed, owns the project's
 * objects. `sslmode=disable` keeps the Supabase CLI's TLS warning out of its stdout (TOOLCHAIN.md).
 */
export const DB_URL = `postgresql://postgres:postgres@${HOST}:${DB_PORT}/postgres?sslmode=disable`;
/** `supabase_admin`, the cluster's only superuser: runs the platform bootstrap, backups, restores. */
export const SUPERUSER = 'supabase_admin';
export const SUPERUSER_URL = `postgresql://${SUPERUSER}:postgres@${HOST}:${DB_PORT}/postgres`;
export const AUTHENTICATOR_URL = `postgresql://authenticator:postgres@${HOST}:${DB_PORT}/postgres`;
export const AUTH_ADMIN_URL = `postgresql://supabase_auth_admin:postgres@${HOST}:${DB_PORT}/postgres`;
export const STORAGE_ADMIN_URL = `postgresql://supabase_storage_admin:postgres@${HOST}:${DB_PORT}/postgres`;

export interface Keys {
	publishableKey: string;
	secretKey: string;
	/** Legacy HS256 JWT secret: verifies legacy keys and tokens minted by tests. */
	jwtSecret: string;
	anonJwt: string;
	serviceRoleJwt: string;
	/** ES256 signing key for access tokens (private JWK with kid). */
	signingKey: JsonWebKey & { kid: string };
	/** Send Email hook secret (`v1,whsec_<base64>`), shared with the portal through .env.local. */
	sendEmailHookSecret: string;
}

function newHookSecret(): string {
	return `v1,whsec_${randomBytes(32).toString('base64')}`;
}

function b64url(input: Buffer | string): string {
	return Buffer.from(input).toString('base64url');
}

/** Signs an HS256 JWT (legacy anon/service keys; tests mint their own tokens the same way). */
export function signHs256(payload: Record<string, unknown>, secret: string): string {
	const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
	const body = b64url(JSON.stringify(payload));
	const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
	return `${head}.${body}.${sig}`;
}

function generateKeys(): Keys {
	const jwtSecret = randomBytes(32).toString('hex');
	const iat = Math.floor(Date.now() / 1000);
	const exp = iat + 10 * 365 * 24 * 3600;
	const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
	const jwk = privateKey.export({ format: 'jwk' });
	return {
		publishableKey: `sb_publishable_${randomBytes(16).toString('base64url')}`,
		secretKey: `sb_secret_${randomBytes(16).toString('base64url')}`,
		jwtSecret,
		anonJwt: signHs256({ iss: 'supabase-demo', role: 'anon', iat, exp }, jwtSecret),
		serviceRoleJwt: signHs256({ iss: 'supabase-demo', role: 'service_role', iat, exp }, jwtSecret),
		signingKey: { ...jwk, kid: randomUUID() },
		sendEmailHookSecret: newHookSecret()
	};
}

/** Keys are generated once per local data folder and kept until `stack:reset`. */
export function loadKeys(): Keys {
	if (existsSync(KEYS_FILE)) {
		const keys = JSON.parse(readFileSync(KEYS_FILE, 'utf8')) as Keys;
		if (keys.sendEmailHookSecret) return keys;
		// a data folder from before the Send Email hook: add its secret once
		keys.sendEmailHookSecret = newHookSecret();
		writeFileSync(KEYS_FILE, JSON.stringify(keys, null, 2), { mode: 0o600 });
		return keys;
	}
	mkdirSync(DATA_DIR, { recursive: true });
	const keys = generateKeys();
	writeFileSync(KEYS_FILE, JSON.stringify(keys, null, 2), { mode: 0o600 });
	return keys;
}

/** The variables `supabase status -o env` prints, plus the app's own names for them. */
export function statusEnv(keys: Keys): Record<string, string> {
	return {
		API_URL,
		REST_URL: `${API_URL}/rest/v1`,
		STORAGE_URL: `${API_URL}/storage/v1`,
		DB_URL,
		MAILPIT_URL: MAIL_URL,
		INBUCKET_URL: MAIL_URL,
		PUBLISHABLE_KEY: keys.publishableKey,
		SECRET_KEY: keys.secretKey,
		ANON_KEY: keys.anonJwt,
		SERVICE_ROLE_KEY: keys.serviceRoleJwt,
		JWT_SECRET: keys.jwtSecret
	};
}
