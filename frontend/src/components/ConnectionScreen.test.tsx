import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as api from '../api/chartkeep';
import { bus, connection } from '../test/fakeApi';
import { ConnectionScreen } from './ConnectionScreen';

vi.mock('../api/chartkeep', async (real) => (await import('../test/fakeApi')).fakeModule(await real()));

afterEach(() => bus.clear());

const groups: api.GroupView[] = [
  { key: 'Observation:laboratory', label: 'Lab results', count: 3 },
  { key: 'MedicationRequest', label: '', count: 1 },
  { key: 'Device', label: 'Devices', count: 0 },
];

const labs: api.RecordSummary[] = [
  { type: 'Observation', id: 'old', date: '2021-01-05T09:00:00-05:00', title: 'Old result', subtitle: '', status: '' },
  { type: 'Observation', id: 'none', date: '', title: 'Undated result', subtitle: '', status: '' },
  { type: 'Observation', id: 'new', date: '2024-03-05', title: 'Newest result', subtitle: '5.6 %', status: 'final' },
  { type: 'Observation', id: 'mid', date: '2023-07-01T10:30:00-05:00', title: 'Middle result', subtitle: '', status: '' },
];

function renderScreen(over: Partial<api.ConnectionView> = {}) {
  vi.mocked(api.listGroups).mockResolvedValue(groups);
  vi.mocked(api.listRecords).mockResolvedValue(labs);
  return render(<ConnectionScreen connection={connection(over)} onChanged={vi.fn()} />);
}

describe('ConnectionScreen', () => {
  it('shows the patient banner as the practice wrote it', async () => {
    renderScreen();

    expect(await screen.findByRole('heading', { level: 1, name: 'Ana Test' })).toBeInTheDocument();
    expect(screen.getByText(/\(1990-02-03\)/)).toBeInTheDocument();
    expect(screen.getByText('Female')).toBeInTheDocument();
    expect(screen.getByText('MRN 123')).toBeInTheDocument();
  });

  it('lists record groups with friendly labels and counts', async () => {
    renderScreen();

    const nav = await screen.findByRole('navigation', { name: 'Kinds of record' });
    const buttons = within(nav).getAllByRole('button');
    expect(buttons.map((b) => b.textContent)).toEqual(['Lab results3', 'Medications1', 'Devices0']);
  });

  it('opens the first group with records and lists them newest first, undated last', async () => {
    const { container } = renderScreen();

    await screen.findByText('Newest result');

    const titles = [...container.querySelectorAll('.record-title')].map((t) => t.textContent);
    expect(titles).toEqual(['Newest result', 'Middle result', 'Old result', 'Undated result']);
    expect(api.listRecords).toHaveBeenCalledWith('c1', 'Observation:laboratory');
    expect(screen.getByRole('heading', { name: /Lab results/ })).toHaveTextContent('4 records');
  });

  it('shows an empty state for a group without records', async () => {
    renderScreen();
    await screen.findByText('Newest result');
    vi.mocked(api.listRecords).mockResolvedValue([]);

    await userEvent.click(screen.getByRole('button', { name: /Devices/ }));

    expect(await screen.findByText('No devices yet.')).toBeInTheDocument();
  });

  it('shows sync progress of this connection only, per kind of record', async () => {
    renderScreen({ status: 'syncing' });
    await screen.findByText('Newest result');

    act(() => {
      bus.emit('sync:progress', { connectionId: 'c1', type: 'Condition', pages: 1, resources: 12, errors: 0, done: false, message: '' });
      bus.emit('sync:progress', { connectionId: 'other', type: 'Goal', pages: 1, resources: 99, errors: 0, done: true, message: '' });
      bus.emit('sync:progress', { connectionId: 'c1', type: 'Observation:laboratory', pages: 2, resources: 30, errors: 1, done: true, message: 'Page 3 failed.' });
    });

    const panel = screen.getByRole('region', { name: 'Downloading your records…' });
    expect(within(panel).getByText('Conditions')).toBeInTheDocument();
    expect(within(panel).queryByText('Goals')).not.toBeInTheDocument();
    expect(within(panel).getByRole('status')).toHaveTextContent('42 records so far');
    expect(within(panel).getByText('Page 3 failed.')).toBeInTheDocument();
  });

  it('shows the outcome of the whole download when it ends', async () => {
    renderScreen({ status: 'syncing' });
    await screen.findByText('Newest result');

    act(() => {
      bus.emit('sync:progress', { connectionId: 'c1', type: 'Goal', pages: 1, resources: 2, errors: 0, done: true, message: '' });
      bus.emit('sync:progress', { connectionId: 'c1', type: '', pages: 0, resources: 0, errors: 0, done: true, message: 'All records are up to date.' });
    });

    const panel = screen.getByRole('region', { name: 'Download finished' });
    expect(within(panel).getByText('All records are up to date.')).toBeInTheDocument();
    expect(within(panel).getByRole('status')).toHaveTextContent('2 records downloaded');
    expect(within(panel).queryByRole('list')).toBeNull();
  });

  it('subscribes to sync progress on mount and releases it on unmount', async () => {
    const { unmount } = renderScreen();
    await screen.findByText('Newest result');
    expect(bus.count('sync:progress')).toBe(1);
    expect(bus.count('login:status')).toBe(1);

    unmount();

    expect(bus.count('sync:progress')).toBe(0);
    expect(bus.count('login:status')).toBe(0);
  });

  it('says the access has ended, with the time, and offers Reconnect', async () => {
    const ended = new Date(Date.now() - 30 * 60_000).toISOString();
    renderScreen({ status: 'connected', expiresAt: ended });

    expect(await screen.findByText('Needs reconnect', { selector: '.chip' })).toBeInTheDocument();
    expect(screen.getByText(/^Access ended .* at /)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Sync now' })).toBeDisabled();
    await userEvent.click(screen.getByRole('button', { name: 'Reconnect' }));
    expect(api.reconnect).toHaveBeenCalledWith('c1');
    expect(await screen.findByRole('heading', { name: /Waiting for you/ })).toBeInTheDocument();
  });

  it('explains in plain words why a download could not start', async () => {
    renderScreen();
    await screen.findByText('Newest result');
    vi.mocked(api.syncNow).mockRejectedValue(new api.AppError('token_expired', 'Your access to this practice has ended.'));

    await userEvent.click(screen.getByRole('button', { name: 'Sync now' }));

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The download could not start.');
    expect(alert).toHaveTextContent('Your access to this practice has ended.');
  });

  it('invites a first download when nothing is on this computer yet', async () => {
    vi.mocked(api.listGroups).mockResolvedValue([{ key: 'Condition', label: 'Conditions', count: 0 }]);
    render(<ConnectionScreen connection={connection({ lastSyncAt: '' })} onChanged={vi.fn()} />);

    expect(await screen.findByText('No records on this computer yet.')).toBeInTheDocument();
  });
});
