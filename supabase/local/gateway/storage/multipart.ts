/**
 * A small multipart/form-data parser for Storage uploads (storage-js sends a Blob/File as a
 * FormData with text fields `cacheControl`, `metadata`, `contentEncoding` and one file part).
 */

export interface MultipartPart {
	name: string;
	filename: string | null;
	contentType: string | null;
	data: Buffer;
}

export class MultipartError extends Error {}

/** Boundary of a `multipart/form-data; boundary=…` content type, or null. */
export function multipartBoundary(contentType: string | undefined): string | null {
	if (!contentType || !/^multipart\/form-data\b/i.test(contentType)) return null;
	const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
	return m ? (m[1] ?? m[2]).trim() : null;
}

function headerParam(value: string, param: string): string | null {
	const re = new RegExp(
		`(?:^|;)\\s*${param}="((?:[^"\\\\]|\\\\.)*)"|(?:^|;)\\s*${param}=([^;]*)`,
		'i'
	);
	const m = re.exec(value);
	if (!m) return null;
	return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2].trim();
}

/** Splits a complete multipart body into its parts; throws MultipartError when malformed. */
export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
	const delimiter = Buffer.from(`--${boundary}`);
	const parts: MultipartPart[] = [];
	let pos = body.indexOf(delimiter);
	if (pos < 0) throw new MultipartError('multipart boundary not found');
	for (;;) {
		pos += delimiter.length;
		// `--` after a delimiter closes the body.
		if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return parts;
		if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
		else throw new MultipartError('malformed multipart delimiter');
		const headEnd = body.indexOf('\r\n\r\n', pos);
		if (headEnd < 0) throw new MultipartError('malformed multipart part headers');
		const headers: Record<string, string> = {};
		for (const line of body.subarray(pos, headEnd).toString('utf8').split('\r\n')) {
			const colon = line.indexOf(':');
			if (colon > 0)
				headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
		}
		const dataStart = headEnd + 4;
		const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), dataStart);
		if (next < 0) throw new MultipartError('unterminated multipart part');
		const disposition = headers['content-disposition'] ?? '';
		parts.push({
			name: headerParam(disposition, 'name') ?? '',
			filename: headerParam(disposition, 'filename'),
			contentType: headers['content-type'] ?? null,
			data: body.subarray(dataStart, next)
		});
		pos = next + 2;
	}
}
