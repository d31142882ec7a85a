/**
 * Fuzzy name matching for PostgREST's "Perhaps you meant …" hints (PGRST202, PGRST205, PGRST200):
 * a fuzzy set of 2- and 3-grams with cosine similarity, re-ranked by Levenshtein distance, as
 * the fuzzyset library PostgREST uses works (largest gram size first; minimum score per call).
 */

function normalize(s: string): string {
	return s.toLowerCase().replace(/[^\p{L}\p{N}_, ]+/gu, '');
}

function grams(value: string, size: number): Map<string, number> {
	const padded = `-${normalize(value)}-`;
	const s = padded.length < size ? padded + '-'.repeat(size - padded.length) : padded;
	const out = new Map<string, number>();
	for (let i = 0; i <= s.length - size; i++) {
		const g = s.slice(i, i + size);
		out.set(g, (out.get(g) ?? 0) + 1);
	}
	return out;
}

function norm(v: Map<string, number>): number {
	let sum = 0;
	for (const n of v.values()) sum += n * n;
	return Math.sqrt(sum);
}

function levenshtein(a: string, b: string): number {
	const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
	for (let i = 1; i <= a.length; i++) {
		let last = prev[0];
		prev[0] = i;
		for (let j = 1; j <= b.length; j++) {
			const tmp = prev[j];
			prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, last + (a[i - 1] === b[j - 1] ? 0 : 1));
			last = tmp;
		}
	}
	return prev[b.length];
}

/** The best match of `value` among `items` scoring at least `minScore`, or null. */
export function fuzzyBest(items: string[], value: string, minScore = 0.33): string | null {
	const unique = [...new Set(items)];
	for (const size of [3, 2]) {
		const q = grams(value, size);
		const qn = norm(q);
		const scored: { item: string; score: number }[] = [];
		for (const item of unique) {
			const g = grams(item, size);
			let dot = 0;
			for (const [k, n] of q) dot += n * (g.get(k) ?? 0);
			if (dot > 0) scored.push({ item, score: dot / (qn * norm(g)) });
		}
		if (!scored.length) continue;
		scored.sort((a, b) => b.score - a.score);
		const ranked = scored.slice(0, 50).map(({ item }) => {
			const a = normalize(item);
			const b = normalize(value);
			return { item, score: 1 - levenshtein(a, b) / Math.max(a.length, b.length, 1) };
		});
		ranked.sort((a, b) => b.score - a.score);
		const hits = ranked.filter((r) => r.score >= minScore);
		return hits.length ? hits[0].item : null;
	}
	return null;
}
