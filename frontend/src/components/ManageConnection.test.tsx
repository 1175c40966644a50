import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as api from '../api/chartkeep';
import { bus, connection } from '../test/fakeApi';
import { ConnectionScreen } from './ConnectionScreen';
import { Sidebar } from './Sidebar';

vi.mock('../api/chartkeep', async (real) => (await import('../test/fakeApi')).fakeModule(await real()));

afterEach(() => bus.clear());

function renderScreen(over: Partial<api.ConnectionView> = {}) {
  const onChanged = vi.fn();
  const r = render(<ConnectionScreen connection={connection({ recordCount: 172, ...over })} onChanged={onChanged} />);
  return { ...r, onChanged, user: userEvent.setup() };
}

describe('managing a connection', () => {
  it('renames it, trimming the name', async () => {
    const { user, onChanged } = renderScreen();
    await user.click(screen.getByRole('button', { name: 'Rename' }));
    await user.type(screen.getByLabelText('Name shown in the list'), '  Mum ');
    await user.click(screen.getByRole('button', { name: 'Save name' }));
    expect(api.renameConnection).toHaveBeenCalledWith('c1', 'Mum');
    expect(onChanged).toHaveBeenCalled();
  });

  it('asks before removing, naming how many records go, and sends that count', async () => {
    const { user, onChanged } = renderScreen({ patientName: 'Alex Rivera' });
    await user.click(screen.getByRole('button', { name: 'Remove…' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Remove Alex Rivera’s 172 records from this computer?' });
    expect(api.removeConnection).not.toHaveBeenCalled();
    await user.click(within(dialog).getByRole('button', { name: 'Remove 172 records' }));
    expect(api.removeConnection).toHaveBeenCalledWith('c1', 172);
    expect(onChanged).toHaveBeenCalled();
  });

  it('asks again with the new count when the confirmation went stale', async () => {
    vi.mocked(api.removeConnection).mockRejectedValue(
      new api.AppError('stale_confirmation', 'This connection now has 180 records on this computer, not 172.'),
    );
    const { user, rerender, onChanged } = renderScreen({ patientName: 'Alex Rivera' });
    await user.click(screen.getByRole('button', { name: 'Remove…' }));
    await user.click(screen.getByRole('button', { name: 'Remove 172 records' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('now has 180 records');
    expect(onChanged).toHaveBeenCalled();
    rerender(<ConnectionScreen connection={connection({ recordCount: 180, patientName: 'Alex Rivera' })} onChanged={onChanged} />);
    expect(screen.getByRole('alertdialog', { name: 'Remove Alex Rivera’s 180 records from this computer?' })).toBeInTheDocument();
  });

  it('cancels a removal without calling the backend', async () => {
    const { user } = renderScreen();
    await user.click(screen.getByRole('button', { name: 'Remove…' }));
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Cancel' }));
    expect(api.removeConnection).not.toHaveBeenCalled();
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
  });

  it('disconnects after saying the records stay', async () => {
    const { user } = renderScreen();
    await user.click(screen.getByRole('button', { name: 'Disconnect' }));
    const dialog = screen.getByRole('alertdialog');
    expect(dialog).toHaveAccessibleDescription(/172 records stay here/);
    await user.click(within(dialog).getByRole('button', { name: 'Disconnect' }));
    expect(api.disconnectConnection).toHaveBeenCalledWith('c1');
  });

  it('shows a disconnected connection offline, with Connect again', async () => {
    const { user } = renderScreen({ status: 'disconnected' });
    expect(screen.getByText('Disconnected', { selector: '.chip' })).toBeInTheDocument();
    expect(screen.getByText(/records already downloaded stay readable/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Sync now' })).toBeDisabled();
    expect(screen.queryByRole('button', { name: 'Disconnect' })).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Connect again' }));
    expect(api.reconnect).toHaveBeenCalledWith('c1');
  });

  it('says what the practice’s access leaves out', async () => {
    renderScreen({ attachments: false, notices: ['Your practice did not allow Chartkeep to download documents’ files.'] });
    await screen.findByRole('heading', { level: 1, name: 'Ana Test' });
    expect(screen.getByText(/did not allow Chartkeep to download documents’ files/)).toBeInTheDocument();
  });

  it('says when the access ended and that the download continues after reconnecting', async () => {
    const ended = new Date(Date.now() - 5 * 60_000).toISOString();
    renderScreen({ expiresAt: ended });
    await screen.findByRole('heading', { level: 1, name: 'Ana Test' });
    const note = screen.getByText(/has ended/);
    expect(note).toHaveTextContent(/\(.* at .*\)/);
    expect(note).toHaveTextContent('continues where it stopped');
  });
});

describe('Sidebar', () => {
  it('shows the chosen name instead of the patient’s, and the patient beside the practice', () => {
    render(
      <Sidebar
        connections={{ state: 'ready', value: [connection({ label: 'Mum', patientName: 'Ana Test' }), connection({ id: 'c2', patientName: 'Ben Test' })] }}
        view={{ kind: 'add' }}
        demo={false}
        onNavigate={vi.fn()}
        onRetry={vi.fn()}
      />,
    );
    expect(screen.getByRole('button', { name: /^Mum/ })).toHaveTextContent('Ana Test · Riverside Family Medicine');
    expect(screen.getByRole('button', { name: /^Ben Test/ })).toBeInTheDocument();
  });
});
