import { describe, expect, it } from 'vitest';
import { allowOrigin, HSTS, secure } from './security-headers';

const POLICY =
	"default-src 'self'; script-src 'self' 'nonce-abc'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";
const SUPABASE = 'https://project.supabase.co';

describe('allowOrigin', () => {
	it('adds the origin to img-src and connect-src only, once', () => {
		const policy = allowOrigin(POLICY, SUPABASE);
		expect(policy).toBe(
			`default-src 'self'; script-src 'self' 'nonce-abc'; img-src 'self' data: ${SUPABASE}; connect-src 'self' ${SUPABASE}; frame-ancestors 'none'`
		);
		expect(allowOrigin(policy, SUPABASE)).toBe(policy);
	});
});

describe('secure', () => {
	const page = () =>
		new Response('<html></html>', {
			headers: { 'content-type': 'text/html', 'content-security-policy': POLICY }
		});

	it('sends nosniff, a same-origin referrer and no framing on every response', () => {
		const h = secure(page(), { https: false, signedIn: false, supabaseOrigin: SUPABASE }).headers;
		expect(h.get('x-content-type-options')).toBe('nosniff');
		expect(h.get('referrer-policy')).toBe('same-origin');
		expect(h.get('x-frame-options')).toBe('DENY');
		expect(h.get('content-security-policy')).toContain("frame-ancestors 'none'");
		expect(h.get('content-security-policy')).toContain(`img-src 'self' data: ${SUPABASE}`);
		expect(h.get('strict-transport-security')).toBeNull();
		expect(h.get('cache-control')).toBeNull();
	});

	it('adds HSTS over https and no-store for a signed-in person', () => {
		const h = secure(page(), { https: true, signedIn: true, supabaseOrigin: SUPABASE }).headers;
		expect(h.get('strict-transport-security')).toBe(HSTS);
		expect(h.get('cache-control')).toBe('no-store');
	});

	it('copies a response whose headers cannot change', async () => {
		const frozen = Response.redirect('https://example.test/next', 303);
		const out = secure(frozen, { https: false, signedIn: true, supabaseOrigin: SUPABASE });
		expect(out.status).toBe(303);
		expect(out.headers.get('location')).toBe('https://example.test/next');
		expect(out.headers.get('x-content-type-options')).toBe('nosniff');
	});
});
