// Append-only list of schema migrations; the position in this list is the schema version.
import initial from './0001-initial.js';
import governance from './0002-governance.js';
import logSearch from './0003-log-search.js';
import refusalIndex from './0004-refusal-index.js';
import durableSettlement from './0005-durable-settlement.js';
import auditCheckpoints from './0006-audit-checkpoints.js';
import signIns from './0007-sign-ins.js';
import managedSettings from './0008-managed-settings.js';
import agents from './0009-agents.js';
import telemetry from './0010-telemetry.js';
import settingsHints from './0011-settings-hints.js';
import liveSignIns from './0012-live-sign-ins.js';
import telemetryActivity from './0013-telemetry-activity.js';
import pinnedCertificates from './0014-pinned-certificates.js';
import acceptedSettings from './0015-accepted-settings.js';
import providerRouting from './0016-provider-routing.js';

export interface Migration {
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  { name: '0001-initial', sql: initial },
  { name: '0002-governance', sql: governance },
  { name: '0003-log-search', sql: logSearch },
  { name: '0004-refusal-index', sql: refusalIndex },
  { name: '0005-durable-settlement', sql: durableSettlement },
  { name: '0006-audit-checkpoints', sql: auditCheckpoints },
  { name: '0007-sign-ins', sql: signIns },
  { name: '0008-managed-settings', sql: managedSettings },
  { name: '0009-agents', sql: agents },
  { name: '0010-telemetry', sql: telemetry },
  { name: '0011-settings-hints', sql: settingsHints },
  { name: '0012-live-sign-ins', sql: liveSignIns },
  { name: '0013-telemetry-activity', sql: telemetryActivity },
  { name: '0014-pinned-certificates', sql: pinnedCertificates },
  { name: '0015-accepted-settings', sql: acceptedSettings },
  { name: '0016-provider-routing', sql: providerRouting },
];
