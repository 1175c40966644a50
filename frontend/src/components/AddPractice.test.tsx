import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as api from '../api/chartkeep';
import { bus, directoryInfo } from '../test/fakeApi';
import { AddPractice } from './AddPractice';

vi.mock('../api/chartkeep', async (real) => (await import('../test/fakeApi')).fakeModule(await real()));

const flags = { isTest: false, manual: false };
const practices: api.Practice[] = [
  { code: 'RVFMED', name: 'Riverside Family Medicine', base: 'https://b/RVFMED', city: 'Columbus', state: 'OH', ...flags },
  { code: 'RVFMD2', name: 'Riverside Family Medicine', base: 'https://b/RVFMD2', city: 'Dayton', state: 'OH', ...flags },
];
const testTenant: api.Practice = {
  code: 'TFA001', name: 'Test Facility', base: 'https://b/TFA001', city: 'Irvine', state: 'CA', isTest: true, manual: false,
};
const manual: api.Practice = {
  code: 'ABCDEF', name: 'Practice at fhir.example.org', base: 'https://fhir.example.org/r4/ABCDEF',
  city: '', state: '', isTest: false, manual: true,
};

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
    expect(api.searchPractices).toHaveBeenCalledWith('river', false);
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

  it('hides test and training practices until asked, then marks them', async () => {
    vi.mocked(api.searchPractices).mockImplementation(async (_q, includeTest) =>
      includeTest ? [...practices, testTenant] : practices,
    );
    const user = userEvent.setup();
    render(<AddPractice onConnected={vi.fn()} />);
    await user.type(screen.getByLabelText('Practice name or city'), 'facility');
    expect(await screen.findByRole('group', { name: '2 practices found' })).toBeInTheDocument();
    expect(screen.queryByText('Test Facility')).not.toBeInTheDocument();

    await user.click(screen.getByRole('checkbox', { name: 'Show test and training practices' }));

    const list = await screen.findByRole('group', { name: '3 practices found' });
    expect(api.searchPractices).toHaveBeenLastCalledWith('facility', true);
    expect(within(list).getByText('Test Facility')).toBeInTheDocument();
    expect(within(list).getByText('Test or training')).toBeInTheDocument();
    expect(within(list).getByText('Code TFA001')).toBeInTheDocument();
  });

  it('marks a practice the patient added by address', async () => {
    vi.mocked(api.searchPractices).mockResolvedValue([manual]);
    render(<AddPractice onConnected={vi.fn()} />);

    await userEvent.type(screen.getByLabelText('Practice name or city'), 'practice at');

    const list = await screen.findByRole('group', { name: '1 practice found' });
    expect(within(list).getByText('Added by address')).toBeInTheDocument();
    expect(within(list).getByText('Location not listed')).toBeInTheDocument();
  });

  it('says how old the practice list is and refreshes it on request', async () => {
    vi.mocked(api.directoryStatus)
      .mockResolvedValueOnce(directoryInfo({ ageText: 'updated 3 days ago' }))
      .mockResolvedValueOnce(directoryInfo({ ageText: 'updated just now', fetchedAt: '2024-11-20T10:00:00Z' }));
    let finish: () => void = () => undefined;
    vi.mocked(api.refreshDirectory).mockReturnValue(new Promise<void>((r) => (finish = r)));
    const user = userEvent.setup();
    render(<AddPractice onConnected={vi.fn()} />);

    expect(await screen.findByText('Practice list updated 3 days ago')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Refresh' }));

    expect(api.refreshDirectory).toHaveBeenCalledTimes(1);
    expect(screen.getByText(/Updating…/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Refresh' })).not.toBeInTheDocument();
    await act(async () => finish());
    expect(await screen.findByText('Practice list updated just now')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Refresh' })).toBeInTheDocument();
  });

  it('says in plain words when a refresh fails, and that the saved list is still used', async () => {
    vi.mocked(api.directoryStatus).mockResolvedValue(directoryInfo({ ageText: 'updated 8 days ago' }));
    vi.mocked(api.refreshDirectory).mockRejectedValue(
      new api.AppError('network', 'Chartkeep could not download healow’s list of practices.'),
    );
    const user = userEvent.setup();
    render(<AddPractice onConnected={vi.fn()} />);
    await user.click(await screen.findByRole('button', { name: 'Refresh' }));

    const status = await screen.findByText(/The last update didn’t work/);
    expect(status).toHaveTextContent('Chartkeep could not download healow’s list of practices.');
    expect(status).toHaveTextContent('The saved list is used meanwhile.');
  });

  it('offers the first download when there is no list yet', async () => {
    vi.mocked(api.directoryStatus).mockResolvedValue(
      directoryInfo({ practices: 0, fetchedAt: '', ageText: 'not downloaded yet', error: 'No internet.' }),
    );
    render(<AddPractice onConnected={vi.fn()} />);

    expect(await screen.findByText('The practice list has not been downloaded yet.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Download now' })).toBeInTheDocument();
    expect(screen.getByText(/The last update didn’t work: No internet\./)).toBeInTheDocument();
  });

  it('follows directory:status events and searches the new list when it arrives', async () => {
    vi.mocked(api.searchPractices).mockResolvedValue(practices);
    const user = userEvent.setup();
    render(<AddPractice onConnected={vi.fn()} />);
    await user.type(screen.getByLabelText('Practice name or city'), 'river');
    await screen.findAllByRole('radio');
    expect(api.searchPractices).toHaveBeenCalledTimes(1);

    act(() => bus.emit('directory:status', directoryInfo({ refreshing: true })));
    expect(screen.getByText(/Updating…/)).toBeInTheDocument();

    act(() => bus.emit('directory:status', directoryInfo({ fetchedAt: '2024-11-25T08:00:00Z', ageText: 'updated just now' })));
    expect(screen.getByText('Practice list updated just now')).toBeInTheDocument();
    await waitFor(() => expect(api.searchPractices).toHaveBeenCalledTimes(2));
  });

  it('subscribes to directory:status on mount and releases it on unmount', () => {
    const { unmount } = render(<AddPractice onConnected={vi.fn()} />);
    expect(bus.count('directory:status')).toBe(1);

    unmount();

    expect(bus.count('directory:status')).toBe(0);
  });

  it('checks an address typed by hand when the practice is not listed, then connects to it', async () => {
    vi.mocked(api.probePractice).mockResolvedValue(manual);
    const user = userEvent.setup();
    render(<AddPractice onConnected={vi.fn()} />);
    await user.type(screen.getByLabelText('Practice name or city'), 'zzz');
    await screen.findByText('No practice matches “zzz”.');

    const toggle = screen.getByRole('button', { name: 'My practice is not listed' });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await user.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    const check = screen.getByRole('button', { name: 'Check this address' });
    expect(check).toBeDisabled();
    await user.type(screen.getByLabelText('Practice FHIR address'), ' https://fhir.example.org/r4/ABCDEF ');
    await user.click(check);

    expect(api.probePractice).toHaveBeenCalledWith('https://fhir.example.org/r4/ABCDEF');
    expect(await screen.findByText('This address accepts patient apps.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Connect to Practice at fhir.example.org' }));

    expect(api.connect).toHaveBeenCalledWith('ABCDEF');
    expect(
      await screen.findByRole('heading', { name: 'Waiting for you to log in in your browser…' }),
    ).toBeInTheDocument();
  });

  it.each([
    {
      code: 'practice_not_enabled',
      title: 'This practice hasn’t switched on patient access.',
      message:
        'fhir.example.org answered, but it does not offer healow patient access at this address. Ask your practice: ' +
        '“Please enable healow FHIR API access for patients (Patient Access API) so I can use an app.”',
    },
    { code: 'network', title: 'Chartkeep couldn’t reach that address.', message: 'Chartkeep could not reach fhir.example.org.' },
    { code: 'invalid_input', title: 'That address can’t be used.', message: 'The address must start with https://.' },
  ])('explains in plain words why an address did not work ($code)', async ({ code, title, message }) => {
    vi.mocked(api.searchPractices).mockResolvedValue(practices);
    vi.mocked(api.probePractice).mockRejectedValue(new api.AppError(code, message));
    const user = userEvent.setup();
    render(<AddPractice onConnected={vi.fn()} />);
    await user.type(screen.getByLabelText('Practice name or city'), 'river');
    await screen.findAllByRole('radio');

    await user.click(screen.getByRole('button', { name: 'My practice is not listed' }));
    await user.type(screen.getByLabelText('Practice FHIR address'), 'http://fhir.example.org/r4/ABCDEF');
    await user.click(screen.getByRole('button', { name: 'Check this address' }));

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(title);
    expect(alert).toHaveTextContent(message);
    expect(api.connect).not.toHaveBeenCalled();
  });
});
