import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as api from '../api/chartkeep';
import { bus } from '../test/fakeApi';
import { AddPractice } from './AddPractice';

vi.mock('../api/chartkeep', async (real) => (await import('../test/fakeApi')).fakeModule(await real()));

const practices: api.Practice[] = [
  { code: 'RVFMED', name: 'Riverside Family Medicine', base: 'https://b/RVFMED', city: 'Columbus', state: 'OH' },
  { code: 'RVFMD2', name: 'Riverside Family Medicine', base: 'https://b/RVFMD2', city: 'Dayton', state: 'OH' },
];

afterEach(() => bus.clear());

async function searchAndPick(query: string, index = 0) {
  const user = userEvent.setup();
  await user.type(screen.getByLabelText('Practice name or city'), query);
  const radios = await screen.findAllByRole('radio');
  await user.click(radios[index] as HTMLElement);
  return user;
}

describe('AddPractice', () => {
  it('shows each matching practice with its city, state and code so duplicates can be told apart', async () => {
    vi.mocked(api.searchPractices).mockResolvedValue(practices);
    render(<AddPractice onConnected={vi.fn()} />);

    await userEvent.type(screen.getByLabelText('Practice name or city'), 'river');

    const list = await screen.findByRole('group', { name: '2 practices found' });
    expect(within(list).getAllByText('Riverside Family Medicine')).toHaveLength(2);
    expect(within(list).getByText('Columbus, OH')).toBeInTheDocument();
    expect(within(list).getByText('Code RVFMED')).toBeInTheDocument();
    expect(within(list).getByText('Dayton, OH')).toBeInTheDocument();
    expect(within(list).getByText('Code RVFMD2')).toBeInTheDocument();
  });

  it('searches once, for the whole word, after typing pauses', async () => {
    vi.mocked(api.searchPractices).mockResolvedValue(practices);
    render(<AddPractice onConnected={vi.fn()} />);

    await userEvent.type(screen.getByLabelText('Practice name or city'), 'river');
    await screen.findAllByRole('radio');

    expect(api.searchPractices).toHaveBeenCalledTimes(1);
    expect(api.searchPractices).toHaveBeenCalledWith('river');
  });

  it('says when nothing matches and what to do', async () => {
    render(<AddPractice onConnected={vi.fn()} />);

    await userEvent.type(screen.getByLabelText('Practice name or city'), 'zzz');

    expect(await screen.findByText('No practice matches “zzz”.')).toBeInTheDocument();
    expect(screen.getByText(/ask them to enable it/)).toBeInTheDocument();
  });

  it('shows the backend’s message in plain words when the directory cannot be searched', async () => {
    vi.mocked(api.searchPractices).mockRejectedValue(
      new api.AppError('directory_unavailable', 'The healow directory could not be downloaded.'),
    );
    render(<AddPractice onConnected={vi.fn()} />);

    await userEvent.type(screen.getByLabelText('Practice name or city'), 'river');

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The practice directory could not be searched.');
    expect(alert).toHaveTextContent('The healow directory could not be downloaded.');
    expect(within(alert).getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });

  it('waits for the browser login after Connect, then reports the new connection on login:status', async () => {
    vi.mocked(api.searchPractices).mockResolvedValue(practices);
    const onConnected = vi.fn();
    render(<AddPractice onConnected={onConnected} />);
    const user = await searchAndPick('river', 1);

    await user.click(screen.getByRole('button', { name: 'Connect to Riverside Family Medicine' }));

    expect(
      await screen.findByRole('heading', { name: 'Waiting for you to log in in your browser…' }),
    ).toBeInTheDocument();
    expect(api.connect).toHaveBeenCalledWith('RVFMD2');

    act(() => bus.emit('login:status', { attemptId: 'other', state: 'connected', message: '', connectionId: 'x' }));
    expect(onConnected).not.toHaveBeenCalled();

    act(() => bus.emit('login:status', { attemptId: 'a1', state: 'exchanging', message: '', connectionId: '' }));
    expect(screen.getByRole('heading', { name: 'Finishing the connection…' })).toBeInTheDocument();

    act(() => bus.emit('login:status', { attemptId: 'a1', state: 'connected', message: '', connectionId: 'conn-9' }));
    expect(onConnected).toHaveBeenCalledWith('conn-9');
    expect(screen.getByRole('heading', { name: 'Connected' })).toBeInTheDocument();
  });

  it('keeps a login:status that arrives before Connect has answered', async () => {
    vi.mocked(api.searchPractices).mockResolvedValue(practices);
    let answer: (s: api.LoginStart) => void = () => undefined;
    vi.mocked(api.connect).mockReturnValue(new Promise((resolve) => (answer = resolve)));
    const onConnected = vi.fn();
    render(<AddPractice onConnected={onConnected} />);
    const user = await searchAndPick('river');

    await user.click(screen.getByRole('button', { name: /Connect to/ }));
    act(() => bus.emit('login:status', { attemptId: 'early', state: 'connected', message: '', connectionId: 'c-early' }));
    await act(async () => answer({ attemptId: 'early', authUrl: 'https://login.example' }));

    expect(onConnected).toHaveBeenCalledWith('c-early');
  });

  it('explains a failed login and tries again on request', async () => {
    vi.mocked(api.searchPractices).mockResolvedValue(practices);
    render(<AddPractice onConnected={vi.fn()} />);
    const user = await searchAndPick('river');
    await user.click(screen.getByRole('button', { name: /Connect to/ }));
    await screen.findByRole('heading', { name: /Waiting for you/ });

    act(() =>
      bus.emit('login:status', {
        attemptId: 'a1', state: 'failed', message: 'You chose not to share your records.', connectionId: '',
      }),
    );

    expect(screen.getByRole('heading', { name: /didn’t finish/ })).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('You chose not to share your records.');
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(api.connect).toHaveBeenCalledTimes(2);
  });

  it('shows an AppError from Connect in plain words', async () => {
    vi.mocked(api.searchPractices).mockResolvedValue(practices);
    vi.mocked(api.connect).mockRejectedValue(
      new api.AppError('not_configured', 'Enter your healow Client ID in Settings first.'),
    );
    render(<AddPractice onConnected={vi.fn()} />);
    const user = await searchAndPick('river');

    await user.click(screen.getByRole('button', { name: /Connect to/ }));

    expect(await screen.findByRole('alert')).toHaveTextContent('Enter your healow Client ID in Settings first.');
  });

  it('cancels the login in the backend and goes back to the search', async () => {
    vi.mocked(api.searchPractices).mockResolvedValue(practices);
    render(<AddPractice onConnected={vi.fn()} />);
    const user = await searchAndPick('river');
    await user.click(screen.getByRole('button', { name: /Connect to/ }));
    await screen.findByRole('heading', { name: /Waiting for you/ });

    await user.click(screen.getByRole('button', { name: 'Cancel' }));

    expect(api.cancelLogin).toHaveBeenCalledTimes(1);
    expect(screen.getByRole('heading', { name: 'Add a practice' })).toBeInTheDocument();
  });

  it('subscribes to login:status on mount and releases it on unmount', () => {
    const { unmount } = render(<AddPractice onConnected={vi.fn()} />);
    expect(bus.count('login:status')).toBe(1);

    unmount();

    expect(bus.count('login:status')).toBe(0);
  });

  it('opens the login page again only through the adapter', async () => {
    vi.mocked(api.searchPractices).mockResolvedValue(practices);
    render(<AddPractice onConnected={vi.fn()} />);
    const user = await searchAndPick('river');
    await user.click(screen.getByRole('button', { name: /Connect to/ }));

    await user.click(await screen.findByRole('button', { name: 'Open the login page again' }));

    await waitFor(() => expect(api.openInBrowser).toHaveBeenCalledWith('https://login.example/a1'));
  });
});
