/** Plain-language formatting helpers. */

/** formatCount writes "1 record" / "1,234 records". */
export function formatCount(n: number, one: string, many: string): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** formatBytes writes a file size such as "12 KB". */
export function formatBytes(size: number): string {
  if (size <= 0) {
    return '';
  }
  const units = ['bytes', 'KB', 'MB', 'GB'];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = unit === 0 ? String(value) : value.toFixed(value < 10 ? 1 : 0);
  return `${shown} ${units[unit] ?? ''}`;
}

/** formatGender turns FHIR's administrative gender codes into words. */
export function formatGender(code: string): string {
  const words: Record<string, string> = {
    male: 'Male',
    female: 'Female',
    other: 'Other',
    unknown: 'Not recorded',
  };
  return words[code.toLowerCase()] ?? code;
}

/** formatContentType names a file type in words: "PDF document". */
export function formatContentType(contentType: string): string {
  const type = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  const words: Record<string, string> = {
    'application/pdf': 'PDF document',
    'text/plain': 'Text',
    'text/html': 'Web page',
    'text/rtf': 'Rich text document',
    'application/rtf': 'Rich text document',
    'application/xml': 'Clinical document (XML)',
    'text/xml': 'Clinical document (XML)',
    'application/hl7-v3+xml': 'Clinical document (XML)',
  };
  if (words[type] !== undefined) {
    return words[type];
  }
  if (type.startsWith('image/')) {
    return 'Image';
  }
  return contentType;
}
