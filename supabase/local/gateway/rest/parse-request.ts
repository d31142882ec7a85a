/**
 * Pure parsers of the Data API's request headers and paging: `Prefer`, `Range`, `Accept`
 * negotiation, and non-negative `limit`/`offset` values.
 */
import { ApiError } from './errors.ts';
import { parseError } from './parse-select.ts';

export interface Preferences {
	return: 'minimal' | 'representation' | 'headers-only' | null;
	count: 'exact' | 'planned' | 'estimated' | null;
	resolution: 'merge-duplicates' | 'ignore-duplicates' | null;
	missing: 'default' | 'null' | null;
	tx: 'commit' | 'rollback' | null;
	handling: 'strict' | 'lenient' | null;
	maxAffected: number | null;
	/** `timezone=<IANA name>`: the transaction's time zone (checked against pg_timezone_names). */
	timezone: string | null;
	applied: string[];
	invalid: string[];
}

export function parsePrefer(header: string | string[] | undefined): Preferences {
	const prefs: Preferences = {
		return: null,
		count: null,
		resolution: null,
		missing: null,
		tx: null,
		handling: null,
		maxAffected: null,
		timezone: null,
		applied: [],
		invalid: []
	};
	const raw = Array.isArray(header) ? header.join(',') : (header ?? '');
	for (const token of raw
		.split(',')
		.map((t) => t.trim())
		.filter(Boolean)) {
		const [name, value = ''] = token.split('=').map((t) => t.trim());
		let ok = true;
		if (name === 'return' && ['minimal', 'representation', 'headers-only'].includes(value))
			prefs.return = value as Preferences['return'];
		else if (name === 'count' && ['exact', 'planned', 'estimated'].includes(value))
			prefs.count = value as Preferences['count'];
		else if (name === 'resolution' && ['merge-duplicates', 'ignore-duplicates'].includes(value))
			prefs.resolution = value as Preferences['resolution'];
		else if (name === 'missing' && ['default', 'null'].includes(value))
			prefs.missing = value as Preferences['missing'];
		else if (name === 'tx' && ['commit', 'rollback'].includes(value))
			prefs.tx = value as Preferences['tx'];
		else if (name === 'handling' && ['strict', 'lenient'].includes(value))
			prefs.handling = value as Preferences['handling'];
		else if (name === 'max-affected' && /^\d+$/.test(value)) prefs.maxAffected = Number(value);
		else if (name === 'timezone' && value) prefs.timezone = value;
		else ok = false;
		if (ok) prefs.applied.push(`${name}=${value}`);
		else prefs.invalid.push(token);
	}
	return prefs;
}

/** `Range: 0-9` → offset 0, limit 10; `5-` → offset 5. */
export function parseRange(
	header: string | undefined
): { offset: number; limit: number | null } | null {
	if (!header) return null;
	const m = /^(?:items=)?\s*(\d+)-(\d*)\s*$/.exec(header);
	if (!m) return null;
	const from = Number(m[1]);
	const to = m[2] === '' ? null : Number(m[2]);
	if (to !== null && to < from)
		throw new ApiError(416, 'PGRST103', 'Requested range not satisfiable', null, null);
	return { offset: from, limit: to === null ? null : to - from + 1 };
}

export type MediaKind =
	| 'json'
	| 'object'
	| 'object-stripped'
	| 'json-stripped'
	/** `text/csv` (`.csv()`). */
	| 'csv'
	/** `application/vnd.pgrst.plan` (`.explain()`), only with db-plan-enabled. */
	| 'plan'
	/** `application/geo+json` (`.geojson()`), where PostGIS is installed. */
	| 'geojson';

export interface PlanMedia {
	format: 'text' | 'json';
	/** EXPLAIN options: analyze, verbose, settings, buffers, wal. */
	options: string[];
	/** The media type the plan is for (`for="…"`), `application/json` by default. */
	forMedia: string;
}

/**
 * Picks the first acceptable media type of `Accept`, else 406 PGRST107 (as PostgREST: plans only
 * when db-plan-enabled).
 */
export function negotiate(
	accept: string | undefined,
	planEnabled = false,
	geoJson = false
): MediaKind {
	if (!accept || !accept.trim()) return 'json';
	const entries = splitAccept(accept);
	for (const entry of entries) {
		const [type, ...params] = entry.split(';').map((t) => t.trim().toLowerCase());
		const stripped = params.includes('nulls=stripped');
		if (type === '*/*' || type === 'application/json' || type === 'application/*')
			return stripped ? 'json-stripped' : 'json';
		if (type === 'application/vnd.pgrst.array+json' || type === 'application/vnd.pgrst.array')
			return stripped ? 'json-stripped' : 'json';
		if (type === 'application/vnd.pgrst.object+json' || type === 'application/vnd.pgrst.object') {
			return stripped ? 'object-stripped' : 'object';
		}
		if (type === 'text/csv' || type === 'text/*') return 'csv';
		if (geoJson && type === 'application/geo+json') return 'geojson';
		if (planEnabled && /^application\/vnd\.pgrst\.plan(\+text|\+json)?$/.test(type)) return 'plan';
	}
	throw new ApiError(
		406,
		'PGRST107',
		`None of these media types are available: ${entries.join(', ')}`
	);
}

/** `Accept` entries, split on commas outside quotes, without a trailing `;`. */
function splitAccept(accept: string): string[] {
	const out: string[] = [];
	let cur = '';
	let quoted = false;
	for (const ch of accept) {
		if (ch === '"') quoted = !quoted;
		if (ch === ',' && !quoted) {
			out.push(cur);
			cur = '';
		} else cur += ch;
	}
	out.push(cur);
	return out.map((e) => e.trim().replace(/;\s*$/, '').trim()).filter(Boolean);
}

/** The plan request in `Accept` (format, options, for). */
export function planMedia(accept: string | undefined): PlanMedia {
	const entry = splitAccept(accept ?? '').find((e) =>
		e.toLowerCase().startsWith('application/vnd.pgrst.plan')
	)!;
	const [type, ...params] = entry.split(';').map((t) => t.trim());
	const format = type.toLowerCase().endsWith('+json') ? 'json' : 'text';
	let options: string[] = [];
	let forMedia = 'application/json';
	for (const p of params) {
		const eq = p.indexOf('=');
		if (eq < 0) continue;
		const k = p.slice(0, eq).trim().toLowerCase();
		const v = p
			.slice(eq + 1)
			.trim()
			.replace(/^"|"$/g, '');
		if (k === 'options')
			options = v
				.split('|')
				.map((o) => o.trim().toLowerCase())
				.filter((o) => ['analyze', 'verbose', 'settings', 'buffers', 'wal'].includes(o));
		else if (k === 'for') forMedia = v;
	}
	return { format, options, forMedia };
}

/** Parses a non-negative integer query parameter. */
export function parseNonNegative(name: string, text: string): number {
	if (!/^-?\d+$/.test(text)) throw parseError(name, `"${text}" is not an integer`);
	const n = Number(text);
	if (n < 0) {
		throw new ApiError(
			416,
			'PGRST103',
			'Requested range not satisfiable',
			`${name === 'limit' ? 'Limit' : 'Offset'} should be greater than or equal to zero.`
		);
	}
	return n;
}
