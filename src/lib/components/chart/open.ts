/**
 * Which form of the chart is open, as the URL says it: `?open=<kind>` for an "Add …" form,
 * `?open=<kind>&id=<row>` for a form on one row (a visit's note, an order's result, a fill…), and
 * `?history=<row>` for one row's version history. One form at a time, and every state is a link,
 * so the chart works the same without JavaScript; with it, the "Add …" forms open in dialogs and
 * the links are followed by the client router.
 */
export const ADD_FORMS = ['visit', 'lab', 'rx', 'allergy', 'problem'] as const;
export const ROW_FORMS = ['note', 'amend', 'result', 'correct', 'dispense', 'reason'] as const;
export type AddForm = (typeof ADD_FORMS)[number];
export type RowForm = (typeof ROW_FORMS)[number];

export interface ChartOpen {
	kind: AddForm | RowForm | null;
	id: string | null;
	history: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function openOf(url: URL): ChartOpen {
	const kind = url.searchParams.get('open');
	const id = url.searchParams.get('id');
	const history = url.searchParams.get('history');
	const uuid = (v: string | null) => (v && UUID.test(v) ? v : null);
	if ((ADD_FORMS as readonly string[]).includes(kind ?? '')) {
		return { kind: kind as AddForm, id: null, history: uuid(history) };
	}
	if ((ROW_FORMS as readonly string[]).includes(kind ?? '') && uuid(id)) {
		return { kind: kind as RowForm, id, history: uuid(history) };
	}
	return { kind: null, id: null, history: uuid(history) };
}

/** The superforms id each open form posts with, so a refused form (without JavaScript) reopens. */
export const FORM_IDS: Record<string, { kind: AddForm | RowForm; idField?: string }> = {
	visit: { kind: 'visit' },
	'lab-order': { kind: 'lab' },
	prescription: { kind: 'rx' },
	allergy: { kind: 'allergy' },
	problem: { kind: 'problem' },
	note: { kind: 'note', idField: 'visit_id' },
	amend: { kind: 'amend', idField: 'visit_id' },
	'lab-result': { kind: 'result', idField: 'order_id' },
	correct: { kind: 'correct', idField: 'order_id' },
	dispense: { kind: 'dispense', idField: 'prescription_id' }
};

/** The open form after a refused POST (its own answer), else the URL's. */
export function openAfter(
	actionForm: { id?: string; data?: Record<string, unknown> } | undefined | null,
	fromUrl: ChartOpen
): ChartOpen {
	const known = actionForm?.id ? FORM_IDS[actionForm.id] : undefined;
	if (!known) return fromUrl;
	const id = known.idField ? String(actionForm?.data?.[known.idField] ?? '') || null : null;
	return { kind: known.kind, id, history: fromUrl.history };
}

/** A chart link that keeps the section sizes and opens `params` (or closes everything with `{}`). */
export function chartHref(
	current: URL,
	params: Record<string, string | number | null>,
	anchor: string
): string {
	const next = new URLSearchParams();
	for (const keep of ['visits', 'labs', 'rx']) {
		const v = current.searchParams.get(keep);
		if (v) next.set(keep, v);
	}
	for (const [k, v] of Object.entries(params)) if (v !== null) next.set(k, String(v));
	const q = next.toString();
	return `?${q}#${anchor}`;
}

/** Options for an "Add …" form in a dialog: a saved form (the action redirects) closes it. */
export function closesOnSave(onDone: () => void) {
	return {
		onResult: ({ result }: { result: { type: string } }) => {
			if (result.type === 'redirect') onDone();
		}
	};
}

/** A link to the chart with `params` (the section sizes are kept), scrolled to `anchor`. */
export type ChartHref = (params: Record<string, string | number | null>, anchor: string) => string;

/** What every section of the chart gets from the page: the person's role, the open form, links. */
export interface SectionBase {
	role: string;
	open: ChartOpen;
	href: ChartHref;
}

/** A history section: it shows `limit` rows, and `more` says that older ones exist. */
export interface PagedSection extends SectionBase {
	more: boolean;
	limit: number;
}

/** Whether the form `kind` is open on the row `id`. */
export function isOpenOn(open: ChartOpen, kind: string, id: string): boolean {
	return open.kind === kind && open.id === id;
}
