import { useMemo } from 'react';
import { sanitizeNarrative } from '../lib/sanitize';

/**
 * Narrative renders a record's human-readable summary. It is the only place
 * the app assigns HTML, and only after sanitizing it again here.
 */
export function Narrative({ html }: { html: string }) {
  const clean = useMemo(() => sanitizeNarrative(html), [html]);
  if (clean.trim() === '') {
    return null;
  }
  return <div className="narrative" dangerouslySetInnerHTML={{ __html: clean }} />;
}
