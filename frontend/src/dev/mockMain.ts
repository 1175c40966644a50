// Entry point of mock.html only: fake bindings first, then the real app.
import { installMockBackend } from './mockBackend';

installMockBackend();
await import('../main');
