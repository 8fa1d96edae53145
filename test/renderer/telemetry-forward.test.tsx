// @vitest-environment jsdom
// Settings › "Send telemetry on to your collector": the collector URL is checked before it is sent,
// saved through the config update, described while set, and cleared with "Stop sending".
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClientConfig } from '../../shared/schemas';
import SettingsPage from '../../renderer/src/pages/settings/index';
import { initialGatewayState, useGateway } from '../../renderer/src/stores/gateway';
import { initialNotificationsState, useNotifications } from '../../renderer/src/stores/notifications';
import { useSession } from '../../renderer/src/stores/session';
import { initialSettingsState, useSettings } from '../../renderer/src/stores/settings';
import { CLIENT_CONFIG, CONNECTION, desktopSettingsRoutes, standInApi, unnamedControls } from './pages-fixtures';

let restoreFetch: () => void = () => undefined;

beforeEach(() => {
  useSession.getState().connect(CONNECTION, CLIENT_CONFIG);
  useSettings.setState(initialSettingsState);
  useGateway.setState(initialGatewayState);
  useNotifications.setState(initialNotificationsState);
});

afterEach(() => {
  cleanup();
  restoreFetch();
});

function settingsApi(initial: ClientConfig = CLIENT_CONFIG) {
  let config = initial;
  const api = standInApi({
    ...desktopSettingsRoutes(),
    'GET /api/config': () => ({ body: { client_config: config } }),
    'PUT /api/config': ({ body }) => {
      config = { ...config, ...(body as { client_config: Partial<ClientConfig> }).client_config };
      return { body: { client_config: config } };
    },
  });
  restoreFetch = api.restore;
  return { ...api, puts: () => api.calls.filter((call) => call.method === 'PUT').map((call) => call.body) };
}

const section = (): HTMLElement => screen.getByRole('region', { name: 'Send telemetry on to your collector' });

describe('settings › telemetry forwarding', () => {
  it('refuses a URL with a password in it without sending it, then saves a collector and says what goes there', async () => {
    const api = settingsApi();
    render(<SettingsPage />);
    const url = await screen.findByLabelText<HTMLInputElement>('Collector URL');
    expect(unnamedControls()).toEqual([]);
    expect(section().textContent).toMatch(/Off: the telemetry Claude Code sends stays in Tollgate/);

    fireEvent.change(url, { target: { value: 'http://admin:hunter2@otel:4318' } });
    fireEvent.submit(url.closest('form') as HTMLFormElement);
    expect(within(section()).getByText(/without a user name, password or query/)).toBeTruthy();
    expect(api.puts()).toEqual([]);

    fireEvent.change(url, { target: { value: ' http://otel-collector:4318 ' } });
    fireEvent.submit(url.closest('form') as HTMLFormElement);
    await within(section()).findByText('Saved');
    expect(api.puts()).toEqual([{ client_config: { telemetry_forward_url: 'http://otel-collector:4318' } }]);
    expect(section().textContent).toMatch(/go on to http:\/\/otel-collector:4318\/v1\/… as they arrive/);
    expect(section().textContent).toMatch(/only for keys whose content capture is on/);
  });

  it('stops sending with one click, saving null', async () => {
    const forwarding = { ...CLIENT_CONFIG, telemetry_forward_url: 'https://otel.example' };
    useSession.getState().connect(CONNECTION, forwarding);
    const api = settingsApi(forwarding);
    render(<SettingsPage />);
    fireEvent.click(await within(section()).findByRole('button', { name: 'Stop sending' }));
    await within(section()).findByText('Saved');
    expect(api.puts()).toEqual([{ client_config: { telemetry_forward_url: null } }]);
    expect(section().textContent).toMatch(/Off:/);
  });
});
