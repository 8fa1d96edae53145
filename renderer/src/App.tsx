// The first screen until the dashboard lands: whether the gateway answers, and what it holds.
import { useEffect } from 'react';
import { useGateway } from './stores/gateway';

export function App() {
  const { status, error, keyCount, recentRequests, connection, load } = useGateway();
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', padding: 32 }}>
      <h1>Tollgate</h1>
      {status === 'loading' && <p>Connecting to the gateway…</p>}
      {status === 'error' && <p role="alert">{error}</p>}
      {status === 'ready' && connection && (
        <p>
          Gateway at <code>{connection.apiBase}</code>: {keyCount} virtual key{keyCount === 1 ? '' : 's'},{' '}
          {recentRequests} recent request{recentRequests === 1 ? '' : 's'}.
        </p>
      )}
    </main>
  );
}
