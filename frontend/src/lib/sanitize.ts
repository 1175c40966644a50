/**
 * Defence-in-depth sanitizing of record narratives.
 *
 * The backend already cleans `NarrativeHTML` with bluemonday, but a script
 * that ran in this webview could call the Go bindings, so the HTML is cleaned
 * again here before it is ever given to innerHTML. Links lose their targets
 * (a click would navigate the app window away), and styles, classes and ids
 * are dropped so a narrative cannot dress itself up as part of the app.
 */
import DOMPurify, { type Config } from 'dompurify';

const purifier = DOMPurify(window);

purifier.addHook('afterSanitizeAttributes', (node) => {
  if (node.nodeName === 'A') {
    node.removeAttribute('href');
    node.removeAttribute('target');
    node.removeAttribute('rel');
  }
});

const config: Config = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: [
    'style', 'link', 'meta', 'base', 'form', 'input', 'button', 'select', 'textarea',
    'iframe', 'frame', 'object', 'embed', 'img', 'picture', 'source', 'video', 'audio',
  ],
  FORBID_ATTR: ['style', 'class', 'id', 'srcset', 'action', 'formaction'],
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
};

/** sanitizeNarrative returns HTML that is safe to assign to innerHTML. */
export function sanitizeNarrative(html: string): string {
  if (html.trim() === '') {
    return '';
  }
  return purifier.sanitize(html, { ...config, RETURN_TRUSTED_TYPE: false });
}
