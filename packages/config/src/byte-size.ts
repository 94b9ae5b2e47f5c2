const UNIT_BYTES: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/**
 * Bytes of a docker-style size ("512m", "1.5g", "64k", "1048576"), 1024-based like `docker run --memory`;
 * undefined when the text is not a size.
 */
export function parseByteSize(size: number | string): number | undefined {
  if (typeof size === 'number') return Number.isInteger(size) && size > 0 ? size : undefined;
  const match = /^([0-9]+(?:\.[0-9]+)?)\s*([bkmg]?)b?$/i.exec(size.trim());
  if (match === null) return undefined;
  const bytes = Math.floor(Number(match[1]) * UNIT_BYTES[match[2]!.toLowerCase()]!);
  return bytes > 0 ? bytes : undefined;
}
