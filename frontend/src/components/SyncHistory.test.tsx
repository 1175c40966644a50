import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import * as api from '../api/chartkeep';
import { SyncHistory } from './SyncHistory';

vi.mock('../api/chartkeep', async (real) => (await import('../test/fakeApi')).fakeModule(await real()));

describe('SyncHistory', () => {
  it('lists each download with its outcome, size, duration and problems', async () => {
    vi.mocked(api.listSyncRuns).mockResolvedValue([
      { startedAt: '2026-12-03T10:00:00Z', seconds: 4.2, status: 'partial', resumed: true, records: 172,
        errors: { Encounter: 'page 3 failed' } },
      { startedAt: '2026-12-02T10:00:00Z', seconds: 3, status: 'ok', resumed: false, records: 170, errors: {} },
    ]);
    render(<SyncHistory connectionID="c1" version="1" />);
    await userEvent.click(await screen.findByText('Download history'));
    expect(screen.getByText('Some records missing')).toBeInTheDocument();
    expect(screen.getByText(/172 records in 4.2 s · continued an earlier download/)).toBeInTheDocument();
    expect(screen.getByText('Encounter: page 3 failed')).toBeInTheDocument();
    expect(screen.getByText('Complete')).toBeInTheDocument();
    expect(api.listSyncRuns).toHaveBeenCalledWith('c1');
  });

  it('shows nothing before the first download', async () => {
    vi.mocked(api.listSyncRuns).mockResolvedValue([]);
    const { container } = render(<SyncHistory connectionID="c1" version="1" />);
    await vi.waitFor(() => expect(api.listSyncRuns).toHaveBeenCalled());
    expect(container).toBeEmptyDOMElement();
  });
});
