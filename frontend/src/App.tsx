import { useEffect, useState } from 'react';
import {
  getSettings,
  listConnections,
  onConnectionsChanged,
  type ConnectionView,
  type Settings,
} from './api/chartkeep';
import { AddPractice } from './components/AddPractice';
import { ConnectionScreen } from './components/ConnectionScreen';
import { EmptyState, ErrorNotice, Loading } from './components/Notices';
import { SettingsScreen } from './components/SettingsScreen';
import { Sidebar, type View } from './components/Sidebar';
import { useLoad, type Loaded } from './lib/hooks';

/** needsSetup is true until a real (non-demo) healow registration is saved. */
export function needsSetup(s: Settings): boolean {
  return !s.demo && (s.clientId.trim() === '' || s.publicUrl.trim() === '');
}

/** App is the whole window: the practices on the left, the chosen screen on the right. */
export function App() {
  const [settings, retrySettings, setSettings] = useSettings();
  const [connectionsVersion, setConnectionsVersion] = useState(0);
  const [connections, retryConnections] = useLoad('connections', listConnections, String(connectionsVersion));
  const [view, setView] = useState<View | null>(null);

  useEffect(() => onConnectionsChanged(() => setConnectionsVersion((v) => v + 1)), []);

  const reloadConnections = () => setConnectionsVersion((v) => v + 1);
  const shown = view ?? initialView(settings, connections);

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <Sidebar
        connections={connections}
        view={shown ?? { kind: 'add' }}
        demo={settings.state === 'ready' && settings.value.demo}
        onNavigate={setView}
        onRetry={retryConnections}
      />
      <main id="main" className="main" tabIndex={-1}>
        {settings.state === 'failed' ? (
          <div className="screen">
            <ErrorNotice
              title="Chartkeep could not read its settings."
              error={settings.error}
              hint="Restart Chartkeep. If this keeps happening, the app’s data folder may be unreadable."
              onRetry={retrySettings}
            />
          </div>
        ) : shown === null || settings.state !== 'ready' ? (
          <div className="screen">
            <Loading label="Opening Chartkeep…" />
          </div>
        ) : (
          <Screen
            view={shown}
            settings={settings.value}
            connections={connections.state === 'ready' ? connections.value : []}
            onSettingsSaved={(s) => {
              setSettings(s);
              // Stay on the guide: the setup checks run next.
              setView({ kind: 'settings' });
            }}
            onSetupDone={() => setView({ kind: 'add' })}
            onConnected={(id) => {
              reloadConnections();
              setView({ kind: 'connection', id });
            }}
            onChanged={reloadConnections}
          />
        )}
      </main>
    </div>
  );
}

interface ScreenProps {
  view: View;
  settings: Settings;
  connections: ConnectionView[];
  onSettingsSaved: (s: Settings) => void;
  onSetupDone: () => void;
  onConnected: (id: string) => void;
  onChanged: () => void;
}

function Screen({ view, settings, connections, onSettingsSaved, onSetupDone, onConnected, onChanged }: ScreenProps) {
  switch (view.kind) {
    case 'settings':
      return (
        <SettingsScreen
          settings={settings}
          firstRun={needsSetup(settings) || connections.length === 0}
          onSaved={onSettingsSaved}
          onDone={onSetupDone}
        />
      );
    case 'add':
      if (needsSetup(settings)) {
        return <SettingsScreen settings={settings} firstRun onSaved={onSettingsSaved} onDone={onSetupDone} />;
      }
      return <AddPractice onConnected={onConnected} />;
    case 'connection': {
      const c = connections.find((x) => x.id === view.id);
      if (c === undefined) {
        return (
          <div className="screen">
            <EmptyState title="This practice is no longer connected.">
              Choose another practice on the left, or add one.
            </EmptyState>
          </div>
        );
      }
      return <ConnectionScreen key={c.id} connection={c} onChanged={onChanged} />;
    }
  }
}

function initialView(
  settings: Loaded<Settings>,
  connections: Loaded<ConnectionView[]>,
): View | null {
  if (settings.state !== 'ready' || connections.state === 'loading') {
    return null;
  }
  const first = connections.state === 'ready' ? connections.value[0] : undefined;
  if (first !== undefined) {
    return { kind: 'connection', id: first.id };
  }
  return needsSetup(settings.value) ? { kind: 'settings' } : { kind: 'add' };
}

function useSettings() {
  const [override, setOverride] = useState<Settings | null>(null);
  const [loaded, retry] = useLoad('settings', getSettings);
  const value: Loaded<Settings> = override !== null ? { state: 'ready', value: override } : loaded;
  return [value, retry, setOverride] as const;
}
