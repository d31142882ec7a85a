/**
 * JWTs of the local runtime: ES256 access tokens signed with the data folder's key (published
 * in the JWKS with its kid) and legacy HS256 tokens verified with the project JWT secret, as
 * GoTrue, PostgREST and Storage accept both (docs/local-runtime.md, "Tokens and keys").
 */
import {
	createHmac,
	createPrivateKey,
	createPublicKey,
	sign,
	timingSafeEqual,
	verify
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { loadKeys, signHs256 } from '../../config.ts';

const keys = loadKeys();
// A plain copy: config.ts types the key with the DOM's JsonWebKey, node:crypto wants its own.
const privateKey: KeyObject = createPrivateKey({ key: { ...keys.signingKey }, format: 'jwk' });
const publicKey: KeyObject = createPublicKey(privateKey);
const publicJwk = (() => {
	const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
	return {
		kty,
		crv,
		x,
		y,
		kid: keys.signingKey.kid,
		alg: 'ES256',
		use: 'sig',
		key_ops: ['verify'],
		ext: true
	};
})();

export type Claims = Record<string, unknown> & { role?: string; sub?: string; exp?: number };

export class JwtError extends Error {
	/** `expired` for exp in the past, `future` for iat/nbf ahead, `invalid` otherwise. */
	kind: 'invalid' | 'expired' | 'future';
	constructor(kind: 'invalid' | 'expired' | 'future', message: string) {
		super(message);
		this.kind = kind;
	}
}

export function jwks() {
	return { keys: [publicJwk] };
}

export function signAccessToken(payload: Record<string, unknown>): string {
	const head = Buffer.from(
		JSON.stringify({ alg: 'ES256', kid: keys.signingKey.kid, typ: 'JWT' })
	).toString('base64url');
	const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
	const sig = sign('sha256', Buffer.from(`${head}.${body}`), {
		key: privateKey,
		dsaEncoding: 'ieee-p1363'
	});
	return `${head}.${body}.${sig.toString('base64url')}`;
}

export function signLegacy(payload: Record<string, unknown>): string {
	return signHs256(payload, keys.jwtSecret);
}

/** Verifies signature and time claims; returns the payload or throws JwtError. */
export function verifyJwt(token: string): Claims {
	const parts = token.split('.');
	if (parts.length !== 3)
		throw new JwtError('invalid', `Expected 3 parts in JWT; got ${parts.length}`);
	let header: { alg?: string; kid?: string };
	let payload: Claims;
	try {
		header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
		payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
	} catch {
		throw new JwtError('invalid', 'JWT cryptographic operation failed');
	}
	if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
		throw new JwtError('invalid', 'JWT cryptographic operation failed');
	}
	const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
	const sig = Buffer.from(parts[2], 'base64url');
	let ok: boolean;
	if (header.alg === 'ES256') {
		if (header.kid && header.kid !== keys.signingKey.kid)
			throw new JwtError('invalid', 'No suitable key or wrong key type');
		ok =
			sig.length === 64 &&
			verify('sha256', signed, { key: publicKey, dsaEncoding: 'ieee-p1363' }, sig);
	} else if (header.alg === 'HS256') {
		const expected = createHmac('sha256', keys.jwtSecret).update(signed).digest();
		ok = expected.length === sig.length && timingSafeEqual(expected, sig);
	} else {
		throw new JwtError('invalid', 'No suitable key or wrong key type');
	}
	if (!ok) throw new JwtError('invalid', 'JWT cryptographic operation failed');
	const now = Math.floor(Date.now() / 1000);
	if (typeof payload.exp === 'number' && payload.exp <= now)
		throw new JwtError('expired', 'JWT expired');
	if (typeof payload.iat === 'number' && payload.iat > now + 30)
		throw new JwtError('future', 'JWT issued at future');
	if (typeof payload.nbf === 'number' && payload.nbf > now + 30)
		throw new JwtError('future', 'JWT not yet valid');
	return payload;
}
