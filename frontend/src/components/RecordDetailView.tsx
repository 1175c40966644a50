import { useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import {
  AppError,
  getAttachmentText,
  getRecord,
  saveAttachment,
  type Attachment,
  type RecordDetail,
} from '../api/chartkeep';
import { formatRecordDate } from '../lib/dates';
import { formatBytes, formatContentType } from '../lib/format';
import { indentJSON } from '../lib/json';
import { useLoad } from '../lib/hooks';
import { Narrative } from './Narrative';
import { ErrorNotice, Loading } from './Notices';

interface RecordDetailViewProps {
  connectionID: string;
  type: string;
  id: string;
  groupLabel: string;
  onBack: () => void;
}

/** RecordDetailView shows one record in full. */
export function RecordDetailView({ connectionID, type, id, groupLabel, onBack }: RecordDetailViewProps) {
  const [record, retry] = useLoad(`record:${connectionID}:${type}:${id}`, () =>
    getRecord(connectionID, type, id),
  );
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    heading.current?.focus();
  }, [record.state]);

  return (
    <section className="records-pane detail" aria-labelledby="detail-heading">
      <button type="button" className="button button-quiet back" onClick={onBack}>
        <span aria-hidden="true">←</span> Back to {groupLabel.toLowerCase()}
      </button>
      {record.state === 'loading' ? <Loading label="Opening the record…" /> : null}
      {record.state === 'failed' ? (
        <>
          <h2 id="detail-heading" ref={heading} tabIndex={-1}>
            This record could not be opened
          </h2>
          <ErrorNotice title="Chartkeep could not read this record." error={record.error} onRetry={retry} />
        </>
      ) : null}
      {record.state === 'ready' ? <DetailBody connectionID={connectionID} record={record.value} headingRef={heading} /> : null}
    </section>
  );
}

function DetailBody({
  connectionID,
  record,
  headingRef,
}: {
  connectionID: string;
  record: RecordDetail;
  headingRef: RefObject<HTMLHeadingElement | null>;
}) {
  const date = formatRecordDate(record.date);
  return (
    <article>
      <h2 id="detail-heading" className="detail-title" ref={headingRef} tabIndex={-1}>
        {record.title || 'Untitled record'}
      </h2>
      {date !== '' ? <p className="detail-date">{date}</p> : null}
      {record.fields.length > 0 ? (
        <dl className="fields">
          {record.fields.map((f, i) => (
            <div className="field-row" key={`${i}:${f.label}`}>
              <dt>{f.label}</dt>
              <dd>{f.value}</dd>
            </div>
          ))}
        </dl>
      ) : (
        <p className="muted">No details were recorded beyond the title.</p>
      )}
      {record.narrativeHtml.trim() !== '' ? (
        <section className="detail-section" aria-labelledby="narrative-heading">
          <h3 id="narrative-heading">Summary written by your practice</h3>
          <Narrative html={record.narrativeHtml} />
        </section>
      ) : null}
      {record.attachments.length > 0 ? <Attachments connectionID={connectionID} record={record} /> : null}
      <RawJSON raw={record.rawJson} />
    </article>
  );
}

function Attachments({ connectionID, record }: { connectionID: string; record: RecordDetail }) {
  return (
    <section className="detail-section" aria-labelledby="attachments-heading">
      <h3 id="attachments-heading">Attached files</h3>
      <ul className="attachments">
        {record.attachments.map((a) => (
          <AttachmentItem key={a.index} connectionID={connectionID} record={record} attachment={a} />
        ))}
      </ul>
    </section>
  );
}

interface AttachmentItemProps {
  connectionID: string;
  record: RecordDetail;
  attachment: Attachment;
}

/**
 * AttachmentItem lists one file. A text file opens here as plain text (never
 * as HTML); any file can be saved to open with another program.
 */
function AttachmentItem({ connectionID, record, attachment: a }: AttachmentItemProps) {
  const [text, setText] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const isText = a.contentType.toLowerCase().startsWith('text/');

  const show = () => {
    getAttachmentText(connectionID, record.type, record.id, a.index)
      .then(setText)
      .catch((e: unknown) => setNote(errorText(e)));
  };
  const save = () => {
    saveAttachment(connectionID, record.type, record.id, a.index)
      .then((path) => setNote(path !== '' ? `Saved to ${path}` : ''))
      .catch((e: unknown) => setNote(errorText(e)));
  };

  return (
    <li className="attachment">
      <span className="attachment-title">{a.title || `Attachment ${a.index + 1}`}</span>
      <span className="muted">
        {[formatContentType(a.contentType), formatBytes(a.size)].filter((s) => s !== '').join(' · ')}
      </span>
      {a.stored ? (
        <span className="attachment-actions">
          {isText && text === null ? (
            <button type="button" className="link-button" onClick={show}>
              Show text
            </button>
          ) : null}
          <button type="button" className="link-button" onClick={save}>
            Save a copy…
          </button>
        </span>
      ) : (
        <span className="muted">{a.message}</span>
      )}
      {note !== '' ? <span className="muted" role="status">{note}</span> : null}
      {text !== null ? <pre className="attachment-text">{text}</pre> : null}
    </li>
  );
}

function errorText(e: unknown): string {
  return e instanceof AppError ? e.message : 'Chartkeep could not open this file.';
}

function RawJSON({ raw }: { raw: string }) {
  const pretty = useMemo(() => indentJSON(raw), [raw]);
  if (raw.trim() === '') {
    return null;
  }
  return (
    <details className="raw">
      <summary>Raw FHIR JSON</summary>
      <p className="field-hint">The record exactly as your practice sent it, for specialists.</p>
      <pre className="raw-json" tabIndex={0}>
        {pretty}
      </pre>
    </details>
  );
}
