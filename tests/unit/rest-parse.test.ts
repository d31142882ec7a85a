/** The Data API's pure URL-grammar parsers (docs/local-runtime.md, "Data API"). */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../supabase/local/gateway/rest/errors.ts';
import {
	parseList,
	parseLogic,
	parseOperation,
	parseOrder,
	splitKey
} from '../../supabase/local/gateway/rest/parse-filter.ts';
import {
	negotiate,
	parseNonNegative,
	parsePrefer,
	parseRange
} from '../../supabase/local/gateway/rest/parse-request.ts';
import {
	parseField,
	parseSelect,
	splitTopLevel
} from '../../supabase/local/gateway/rest/parse-select.ts';

function apiError(fn: () => unknown): ApiError {
	try {
		fn();
	} catch (e) {
		if (e instanceof ApiError) return e;
		throw e;
	}
	throw new Error('expected an ApiError');
}

describe('parseSelect', () => {
	it('defaults to * and parses columns, aliases, casts and JSON paths', () => {
		expect(parseSelect(null)).toEqual([{ kind: 'star' }]);
		expect(parseSelect('id,label:name,price::text,data->a->>b,k:data->0')).toEqual([
			{ kind: 'column', alias: null, field: { name: 'id', json: [] }, cast: null },
			{ kind: 'column', alias: 'label', field: { name: 'name', json: [] }, cast: null },
			{ kind: 'column', alias: null, field: { name: 'price', json: [] }, cast: 'text' },
			{
				kind: 'column',
				alias: null,
				field: {
					name: 'data',
					json: [
						{ arrow: '->', key: 'a' },
						{ arrow: '->>', key: 'b' }
					]
				},
				cast: null
			},
			{
				kind: 'column',
				alias: 'k',
				field: { name: 'data', json: [{ arrow: '->', key: '0' }] },
				cast: null
			}
		]);
	});

	it('parses embeds with aliases, hints, join types, nesting and counts', () => {
		expect(
			parseSelect('id,owner:users!owner_id!inner(id,email),tasks(count),items(*,tags(name))')
		).toEqual([
			{ kind: 'column', alias: null, field: { name: 'id', json: [] }, cast: null },
			{
				kind: 'embed',
				alias: 'owner',
				relation: 'users',
				hint: 'owner_id',
				joinType: 'inner',
				select: [
					{ kind: 'column', alias: null, field: { name: 'id', json: [] }, cast: null },
					{ kind: 'column', alias: null, field: { name: 'email', json: [] }, cast: null }
				]
			},
			{
				kind: 'embed',
				alias: null,
				relation: 'tasks',
				hint: null,
				joinType: 'left',
				select: [{ kind: 'count', alias: null, bare: true }]
			},
			{
				kind: 'embed',
				alias: null,
				relation: 'items',
				hint: null,
				joinType: 'left',
				select: [
					{ kind: 'star' },
					{
						kind: 'embed',
						alias: null,
						relation: 'tags',
						hint: null,
						joinType: 'left',
						select: [{ kind: 'column', alias: null, field: { name: 'name', json: [] }, cast: null }]
					}
				]
			}
		]);
		expect(parseSelect('total:count()')).toEqual([
			{ kind: 'count', alias: 'total', bare: false, cast: null }
		]);
		expect(parseSelect('count()::text')).toEqual([
			{ kind: 'count', alias: null, bare: false, cast: 'text' }
		]);
		// PostgREST aggregates: field[::cast].agg()[::cast]; an empty embed is marked, not `*`
		expect(parseSelect('s:amount::int.sum()::text,users()')).toEqual([
			{
				kind: 'column',
				alias: 's',
				field: { name: 'amount', json: [] },
				cast: 'int',
				aggregate: 'sum',
				aggregateCast: 'text'
			},
			{
				kind: 'embed',
				alias: null,
				relation: 'users',
				hint: null,
				joinType: 'left',
				empty: true,
				select: []
			}
		]);
		expect(parseSelect('...owner(name)')).toEqual([
			{
				kind: 'embed',
				alias: null,
				relation: 'owner',
				hint: null,
				joinType: 'left',
				spread: true,
				select: [{ kind: 'column', alias: null, field: { name: 'name', json: [] }, cast: null }]
			}
		]);
		expect(apiError(() => parseSelect('...name')).code).toBe('PGRST100');
	});

	it('keeps quoted names whole and rejects malformed input with PGRST100', () => {
		expect(parseSelect('"my, col"')).toEqual([
			{ kind: 'column', alias: null, field: { name: 'my, col', json: [] }, cast: null }
		]);
		expect(apiError(() => parseSelect('id,(name')).code).toBe('PGRST100');
		expect(apiError(() => parseSelect('id,,name')).code).toBe('PGRST100');
		expect(apiError(() => parseSelect('price::text;drop')).code).toBe('PGRST100');
	});
});

describe('filters', () => {
	const f = parseField('age');
	it('parses operators, negation, quantifiers and fts languages', () => {
		expect(parseOperation([], f, 'gte.18')).toMatchObject({
			op: 'gte',
			negate: false,
			value: '18'
		});
		expect(parseOperation([], f, 'not.eq.a.b')).toMatchObject({
			op: 'eq',
			negate: true,
			value: 'a.b'
		});
		expect(parseOperation([], f, 'like(any).{a*,b*}')).toMatchObject({
			op: 'like',
			quantifier: 'any',
			value: '{a*,b*}'
		});
		expect(parseOperation([], f, 'fts(english).cat')).toMatchObject({
			op: 'fts',
			language: 'english',
			value: 'cat'
		});
		expect(parseOperation([], f, 'is.NULL')).toMatchObject({ op: 'is', value: 'null' });
		expect(apiError(() => parseOperation([], f, 'is.maybe')).code).toBe('PGRST100');
		expect(apiError(() => parseOperation([], f, 'near.3')).code).toBe('PGRST100');
		expect(apiError(() => parseOperation([], f, 'eq')).code).toBe('PGRST100');
	});

	it('parses in lists with quotes and escapes', () => {
		expect(parseList('(1,2,"a,b","x\\"y","(p)")')).toEqual(['1', '2', 'a,b', 'x"y', '(p)']);
		expect(parseList('()')).toEqual([]);
		expect(parseOperation([], f, 'not.in.(1,2)')).toMatchObject({
			op: 'in',
			negate: true,
			value: ['1', '2']
		});
		expect(apiError(() => parseList('1,2')).code).toBe('PGRST100');
	});

	it('parses nested or/and trees with quoted values', () => {
		const tree = parseLogic(
			[],
			'or',
			false,
			'(a.eq.1,and(b.gt.2,c.is.null),d.not.eq."x,y",not.or(e.lt.0,f.in.(1,2)))'
		);
		expect(tree.op).toBe('or');
		expect(tree.children).toHaveLength(4);
		expect(tree.children[1]).toMatchObject({
			kind: 'group',
			op: 'and',
			children: [{ op: 'gt' }, { op: 'is', value: 'null' }]
		});
		expect(tree.children[2]).toMatchObject({
			field: { name: 'd' },
			op: 'eq',
			negate: true,
			value: 'x,y'
		});
		expect(tree.children[3]).toMatchObject({
			kind: 'group',
			op: 'or',
			negate: true,
			children: [{ op: 'lt' }, { op: 'in', value: ['1', '2'] }]
		});
		expect(apiError(() => parseLogic([], 'or', false, '(a.eq.1,(b')).code).toBe('PGRST100');
		expect(apiError(() => parseLogic([], 'and', false, 'a.eq.1')).code).toBe('PGRST100');
	});

	it('splits keys into embed path and field', () => {
		expect(splitKey('tasks.owner.name')).toEqual({ path: ['tasks', 'owner'], last: 'name' });
		expect(splitKey('data->a.b->>c')).toEqual({ path: [], last: 'data->a.b->>c' });
		expect(splitKey('rel.data->>x')).toEqual({ path: ['rel'], last: 'data->>x' });
		expect(splitTopLevel('a,b(c,d),"e,f"')).toEqual(['a', 'b(c,d)', '"e,f"']);
	});
});

describe('order, prefer, range, accept', () => {
	it('parses order terms', () => {
		expect(parseOrder('a,b.desc,c.asc.nullsfirst,d.nullslast,rel(e).desc')).toEqual([
			{ relation: null, field: { name: 'a', json: [] }, direction: 'asc', nulls: null },
			{ relation: null, field: { name: 'b', json: [] }, direction: 'desc', nulls: null },
			{ relation: null, field: { name: 'c', json: [] }, direction: 'asc', nulls: 'first' },
			{ relation: null, field: { name: 'd', json: [] }, direction: 'asc', nulls: 'last' },
			{ relation: 'rel', field: { name: 'e', json: [] }, direction: 'desc', nulls: null }
		]);
	});

	it('parses joined Prefer headers and keeps unknown tokens aside', () => {
		const prefs = parsePrefer(
			'count=exact, return=representation,resolution=merge-duplicates, missing=default, foo=bar'
		);
		expect(prefs).toMatchObject({
			count: 'exact',
			return: 'representation',
			resolution: 'merge-duplicates',
			missing: 'default',
			invalid: ['foo=bar']
		});
		expect(parsePrefer(['tx=rollback', 'handling=strict'])).toMatchObject({
			tx: 'rollback',
			handling: 'strict'
		});
	});

	it('parses Range headers and limits', () => {
		expect(parseRange('0-9')).toEqual({ offset: 0, limit: 10 });
		expect(parseRange('5-')).toEqual({ offset: 5, limit: null });
		expect(parseRange('junk')).toBeNull();
		expect(apiError(() => parseRange('9-2')).status).toBe(416);
		expect(parseNonNegative('limit', '3')).toBe(3);
		expect(apiError(() => parseNonNegative('limit', '-1'))).toMatchObject({
			status: 416,
			code: 'PGRST103'
		});
		expect(apiError(() => parseNonNegative('limit', 'x')).code).toBe('PGRST100');
	});

	it('negotiates Accept', () => {
		expect(negotiate(undefined)).toBe('json');
		expect(negotiate('*/*')).toBe('json');
		expect(negotiate('application/vnd.pgrst.object+json')).toBe('object');
		expect(negotiate('application/vnd.pgrst.array+json;nulls=stripped')).toBe('json-stripped');
		expect(negotiate('text/html, application/json')).toBe('json');
		expect(apiError(() => negotiate('application/xml'))).toMatchObject({
			status: 406,
			code: 'PGRST107'
		});
	});
});
