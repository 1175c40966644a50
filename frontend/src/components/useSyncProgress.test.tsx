import { act, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as api from '../api/chartkeep';
import { bus } from '../test/fakeApi';
import { useSyncProgress } from './useSyncProgress';

vi.mock('../api/chartkeep', async (real) => (await import('../test/fakeApi')).fakeModule(await real()));

afterEach(() => bus.clear());

const noop = () => undefined;

function Tally({ id }: { id: string }) {
  const [tally] = useSyncProgress(id, noop);
  return <p>{`${tally.resources} records, ${tally.types.length} kinds`}</p>;
}

function progress(type: string, resources: number, done = false): api.SyncProgress {
  return { connectionId: 'c1', type, pages: 1, resources, errors: 0, done, message: '' };
}

describe('useSyncProgress', () => {
  it('counts the record types downloaded before the screen opened', async () => {
    vi.mocked(api.getSyncProgress).mockResolvedValue([progress('Patient', 1, true), progress('Condition', 4, true)]);
    render(<Tally id="c1" />);
    expect(await screen.findByText('5 records, 2 kinds')).toBeInTheDocument();
    act(() => bus.emit('sync:progress', progress('Observation', 50)));
    expect(await screen.findByText('55 records, 3 kinds')).toBeInTheDocument();
  });

  it('keeps a newer event over the snapshot of the same type', async () => {
    let resolve: (p: api.SyncProgress[]) => void = () => undefined;
    vi.mocked(api.getSyncProgress).mockReturnValue(new Promise((r) => (resolve = r)));
    render(<Tally id="c1" />);
    act(() => bus.emit('sync:progress', progress('Observation', 90)));
    await act(async () => resolve([progress('Observation', 50)]));
    expect(await screen.findByText('90 records, 1 kinds')).toBeInTheDocument();
  });
});
