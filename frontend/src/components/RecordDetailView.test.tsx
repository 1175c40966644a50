import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import * as api from '../api/chartkeep';
import { RecordDetailView } from './RecordDetailView';

vi.mock('../api/chartkeep', async (real) => (await import('../test/fakeApi')).fakeModule(await real()));

const hostile =
  '<div><p>Hemoglobin A1c is <b>normal</b>.</p>' +
  '<script>window.pwned = true</script>' +
  '<img src="x" onerror="window.pwned = true">' +
  '<span onmouseover="window.pwned = true">hover</span>' +
  '<a href="javascript:alert(1)" onclick="window.pwned = true">link</a>' +
  '<p style="position:fixed" class="button-primary" id="root">styled</p></div>';

function detail(over: Partial<api.RecordDetail> = {}): api.RecordDetail {
  return {
    type: 'Observation',
    id: 'o1',
    title: 'Hemoglobin A1c',
    date: '2024-03-05T09:20:00-05:00',
    fields: [
      { label: 'Result', value: '5.6 %' },
      { label: 'Status', value: 'final' },
    ],
    narrativeHtml: hostile,
    rawJson: '{"resourceType":"Observation","valueQuantity":{"value":1.50},"note":"<b>not html</b>"}',
    attachments: [
      { index: 0, contentType: 'application/pdf', title: 'Report.pdf', size: 2048, stored: true, message: '' },
    ],
    ...over,
  };
}

function renderDetail(d: api.RecordDetail) {
  vi.mocked(api.getRecord).mockResolvedValue(d);
  return render(
    <RecordDetailView connectionID="c1" type="Observation:laboratory" id="o1" groupLabel="Lab results" onBack={vi.fn()} />,
  );
}

describe('RecordDetailView', () => {
  it('shows the title, the date as written and the fields', async () => {
    renderDetail(detail());

    expect(await screen.findByRole('heading', { name: 'Hemoglobin A1c' })).toBeInTheDocument();
    expect(screen.getByText(/Mar 5, 2024.*9:20/)).toBeInTheDocument();
    expect(screen.getByText('Result')).toBeInTheDocument();
    expect(screen.getByText('5.6 %')).toBeInTheDocument();
    expect(api.getRecord).toHaveBeenCalledWith('c1', 'Observation:laboratory', 'o1');
  });

  it('strips scripts, event handlers, links and styling from the narrative', async () => {
    const { container } = renderDetail(detail());
    await screen.findByText('normal');

    const narrative = container.querySelector('.narrative');
    expect(narrative).not.toBeNull();
    expect(narrative).toHaveTextContent('Hemoglobin A1c is normal.');
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('img')).toBeNull();
    for (const el of container.querySelectorAll('*')) {
      for (const attr of el.getAttributeNames()) {
        expect(attr.startsWith('on'), `${el.tagName} keeps ${attr}`).toBe(false);
      }
    }
    expect(narrative?.querySelector('a')?.hasAttribute('href')).toBe(false);
    expect(narrative?.querySelector('[style], [class], [id]')).toBeNull();
    expect((window as { pwned?: boolean }).pwned).toBeUndefined();
  });

  it('shows the raw FHIR JSON as text, laid out, with values exactly as sent', async () => {
    const { container } = renderDetail(detail());
    await screen.findByText('normal');

    await userEvent.click(screen.getByText('Raw FHIR JSON'));

    const pre = container.querySelector('pre.raw-json');
    expect(pre).not.toBeNull();
    expect(pre?.children).toHaveLength(0);
    expect(pre?.textContent).toContain('"note": "<b>not html</b>"');
    expect(pre?.textContent).toContain('"value": 1.50');
    expect(pre?.textContent?.split('\n').length).toBeGreaterThan(3);
  });

  it('lists attachments with their kind and size', async () => {
    renderDetail(detail());

    expect(await screen.findByText('Report.pdf')).toBeInTheDocument();
    expect(screen.getByText('PDF document · 2.0 KB')).toBeInTheDocument();
  });

  it('saves a stored file, and shows a text file as plain text', async () => {
    renderDetail(
      detail({
        attachments: [
          { index: 0, contentType: 'application/pdf', title: 'Report.pdf', size: 2048, stored: true, message: '' },
          { index: 1, contentType: 'text/plain', title: 'Note', size: 12, stored: true, message: '' },
        ],
      }),
    );
    vi.mocked(api.getAttachmentText).mockResolvedValue('<script>x()</script> Seen today');
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Show text' }));
    expect(await screen.findByText('<script>x()</script> Seen today')).toBeInTheDocument();
    expect(document.querySelector('.attachment-text script')).toBeNull();

    await user.click(screen.getAllByRole('button', { name: 'Save a copy…' })[0]!);
    expect(api.saveAttachment).toHaveBeenCalledWith('c1', 'Observation', 'o1', 0);
    expect(await screen.findByText('Saved to /home/ana/Visit note.pdf')).toBeInTheDocument();
  });

  it('says why a file is not on this computer', async () => {
    renderDetail(
      detail({
        attachments: [
          { index: 0, contentType: 'application/pdf', title: 'Scan', size: 0, stored: false,
            message: 'Your practice did not allow Chartkeep to download files.' },
        ],
      }),
    );
    expect(await screen.findByText('Your practice did not allow Chartkeep to download files.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Save a copy…' })).toBeNull();
  });

  it('renders backend strings as text, never as markup', async () => {
    const { container } = renderDetail(
      detail({ title: '<img src=x onerror=alert(1)>', fields: [{ label: '<b>x</b>', value: '<i>y</i>' }], narrativeHtml: '' }),
    );

    expect(await screen.findByRole('heading', { name: '<img src=x onerror=alert(1)>' })).toBeInTheDocument();
    expect(screen.getByText('<i>y</i>')).toBeInTheDocument();
    expect(container.querySelector('img, i, b')).toBeNull();
  });

  it('says in plain words when a record cannot be opened', async () => {
    vi.mocked(api.getRecord).mockRejectedValue(new api.AppError('not_found', 'This record is no longer on this computer.'));
    render(<RecordDetailView connectionID="c1" type="Condition" id="x" groupLabel="Conditions" onBack={vi.fn()} />);

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Chartkeep could not read this record.');
    expect(alert).toHaveTextContent('This record is no longer on this computer.');
  });
});
