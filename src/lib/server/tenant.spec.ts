import { describe, expect, it } from 'vitest';
import { normalizeHost, resolveTenant } from './tenant';

describe('resolveTenant', () => {
	it('treats the bare root domain, www and loopback as the platform', () => {
		expect(resolveTenant('localhost:5173', 'localhost')).toEqual({
			kind: 'platform',
			host: 'localhost'
		});
		expect(resolveTenant('www.example.health', 'example.health').kind).toBe('platform');
		expect(resolveTenant('127.0.0.1:4173', 'localhost').kind).toBe('platform');
	});

	it('gives the slug of a direct subdomain, case-insensitively and without the port', () => {
		expect(resolveTenant('Clinic-A.localhost:5173', 'localhost')).toEqual({
			kind: 'clinic',
			host: 'clinic-a.localhost',
			slug: 'clinic-a'
		});
	});

	it('leaves deeper subdomains and other hosts to the custom-domain lookup', () => {
		expect(resolveTenant('a.b.localhost', 'localhost')).toEqual({
			kind: 'clinic',
			host: 'a.b.localhost',
			slug: null
		});
		expect(resolveTenant('portal.riverside-clinic.org', 'localhost')).toEqual({
			kind: 'clinic',
			host: 'portal.riverside-clinic.org',
			slug: null
		});
	});

	it('does not mistake a look-alike root for the platform domain', () => {
		expect(resolveTenant('evillocalhost', 'localhost').kind).toBe('clinic');
		expect(normalizeHost('HOST.Example.:443')).toBe('host.example');
	});
});
