import type { SetupReport } from '../api/chartkeep';

/** SetupChecks lists each setup check with what was found and what to do. */
export function SetupChecks({ report }: { report: SetupReport }) {
  return (
    <section className="setup-checks" aria-label="Setup check results">
      <p className={`notice ${report.ok ? 'notice-info' : 'notice-error'}`} role="status">
        {report.ok
          ? 'Everything checks out: healow’s login reply will reach Chartkeep.'
          : 'Something needs fixing before you can log in; see below.'}
      </p>
      <ul className="check-list">
        {report.checks.map((c) => (
          <li key={c.id} className={`check-item ${c.ok ? 'check-ok' : 'check-failed'}`}>
            <span className="check-mark" aria-hidden="true">
              {c.ok ? '✓' : '✕'}
            </span>
            <div className="check-body">
              <p className="check-label">
                {c.label} <span className="check-word">{c.ok ? '— passed' : '— failed'}</span>
              </p>
              {c.detail !== '' ? <p className="check-detail">{c.detail}</p> : null}
              {c.advice !== '' ? <p className="check-advice">{c.advice}</p> : null}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
