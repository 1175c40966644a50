import type { PatientView } from '../api/chartkeep';
import { formatRecordDate } from '../lib/dates';
import { formatGender } from '../lib/format';
import type { Loaded } from '../lib/hooks';
import { ErrorNotice } from './Notices';

interface PatientBannerProps {
  patient: Loaded<PatientView>;
  fallbackName: string;
  practiceName: string;
  onRetry: () => void;
}

/** PatientBanner names whose records these are, as the practice wrote it. */
export function PatientBanner({ patient, fallbackName, practiceName, onRetry }: PatientBannerProps) {
  if (patient.state === 'failed') {
    return (
      <div className="banner-id">
        <h1>{fallbackName || 'Your records'}</h1>
        <ErrorNotice
          title="Your details could not be read from this computer’s copy."
          error={patient.error}
          onRetry={onRetry}
        />
      </div>
    );
  }
  const p = patient.state === 'ready' ? patient.value : null;
  const name = p?.name || fallbackName || 'Your records';
  return (
    <div className="banner-id">
      <h1>{name}</h1>
      <dl className="facts">
        <Fact label="Born" value={p ? birthDate(p.birthDate) : '…'} />
        <Fact label="Gender" value={p ? formatGender(p.gender) : '…'} />
        <Fact label="Patient ID" value={p ? p.identifier : '…'} />
        <Fact label="Practice" value={practiceName} />
      </dl>
    </div>
  );
}

function Fact({ label, value }: { label: string; value: string }) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd>{value !== '' ? value : 'Not recorded'}</dd>
    </div>
  );
}

// The birth date is a calendar date as the practice wrote it: shown in words
// with the original beside it, never shifted into this computer's time zone.
function birthDate(value: string): string {
  const words = formatRecordDate(value);
  return words === '' || words === value ? value : `${words} (${value})`;
}
