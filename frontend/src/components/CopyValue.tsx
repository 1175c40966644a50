import { useEffect, useRef, useState } from 'react';
import { copyText } from '../api/chartkeep';

interface CopyValueProps {
  /** label names the value for screen readers: "Copy the redirect URL". */
  label: string;
  value: string;
}

/** CopyValue shows a value to paste elsewhere exactly, with a copy button. */
export function CopyValue({ label, value }: CopyValueProps) {
  const [copied, setCopied] = useState<boolean | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current);
    },
    [],
  );

  const copy = () => {
    copyText(value).then(
      (ok) => setCopied(ok),
      () => setCopied(false),
    );
    if (timer.current !== null) clearTimeout(timer.current);
    timer.current = setTimeout(() => setCopied(null), 4000);
  };

  return (
    <div className="copy-value">
      <pre className="copy-text">
        <code>{value}</code>
      </pre>
      <button type="button" className="button button-quiet" onClick={copy} aria-label={`Copy ${label.toLowerCase()}`}>
        Copy
      </button>
      <span className="copy-status" role="status">
        {copied === true ? 'Copied.' : copied === false ? 'Could not copy: select the text instead.' : ''}
      </span>
    </div>
  );
}
