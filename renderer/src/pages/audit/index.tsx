// The audit trail: every change made through the admin API, newest first, each with what it changed.
// The entries form a hash chain; whether that chain still verifies is the first thing on the page,
// because an audit trail that may have been edited is worth little. Once retention has archived the
// oldest entries, the chain verifies from the checkpoint they left, and the banner says so.
import { Fragment, useEffect, useState } from 'react';
import { Badge, Button, EmptyState, ErrorBanner, formatDateTime, Loading, PageHeader, TimeAgo } from '../../components';
import { useAudit, type AuditCheckpoint, type AuditEntry } from '../../stores/audit';
import { describeEntry, describeReasons, diffValues, showValue, signInSummary, targetName } from './diff';
import './audit.css';

/** How many pages "Show entry N" loads while looking for it. */
const SEEK_PAGES = 20;

export default function AuditPage() {
  const entries = useAudit((state) => state.entries);
  const status = useAudit((state) => state.status);
  const error = useAudit((state) => state.error);
  const nextCursor = useAudit((state) => state.nextCursor);
  const loadingMore = useAudit((state) => state.loadingMore);
  const load = useAudit((state) => state.load);
  const loadMore = useAudit((state) => state.loadMore);
  const verify = useAudit((state) => state.verify);
  const verification = useAudit((state) => state.verification);
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(new Set());

  useEffect(() => {
    void load();
    void verify();
  }, [load, verify]);

  const toggle = (id: number): void =>
    setExpanded((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const brokenAt = verification && !verification.ok ? verification.broken_at : null;

  const showEntry = async (id: number): Promise<void> => {
    for (
      let page = 0;
      page < SEEK_PAGES &&
      !useAudit.getState().entries.some((entry) => entry.id === id) &&
      useAudit.getState().nextCursor;
      page++
    ) {
      await useAudit.getState().loadMore();
    }
    setExpanded((current) => new Set([...current, id]));
    requestAnimationFrame(() => {
      const row = document.getElementById(`audit-entry-${id}`);
      row?.scrollIntoView({ block: 'center' });
      row?.querySelector<HTMLElement>('button')?.focus();
    });
  };

  return (
    <div className="audit-page">
      <PageHeader
        title="Audit"
        description="Every change made through the admin API: who made it, from where, and what it changed. Entries are chained by hash, so an edit made behind the gateway's back shows up here."
      />
      <Verification onShow={(id) => void showEntry(id)} />

      {status === 'loading' && <Loading label="Loading the audit trail…" />}
      {status === 'error' && (
        <ErrorBanner title="Could not load the audit trail" error={error} onRetry={() => void load()} />
      )}
      {status === 'ready' && entries.length === 0 && (
        <EmptyState
          title="Nothing has changed yet"
          body="Creating a key, editing a budget or changing a setting adds an entry here."
        />
      )}
      {entries.length > 0 && (
        <div className="table-wrap">
          <table className="table audit-table">
            <caption className="visually-hidden">Audit entries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Changes</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <EntryRows
                  key={entry.id}
                  entry={entry}
                  open={expanded.has(entry.id)}
                  broken={entry.id === brokenAt}
                  onToggle={() => toggle(entry.id)}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {status === 'ready' && error && (
        <ErrorBanner title="Could not load older entries" error={error} onRetry={() => void loadMore()} />
      )}
      {nextCursor !== null && status === 'ready' && (
        <div className="audit-more">
          <Button busy={loadingMore} onClick={() => void loadMore()}>
            Load older entries
          </Button>
        </div>
      )}
    </div>
  );
}

function Verification({ onShow }: { onShow: (id: number) => void }) {
  const verification = useAudit((state) => state.verification);
  const status = useAudit((state) => state.verifyStatus);
  const error = useAudit((state) => state.verifyError);
  const verify = useAudit((state) => state.verify);
  const [checkedAt, setCheckedAt] = useState<number | null>(null);
  useEffect(() => {
    if (status === 'ready') setCheckedAt(Date.now());
  }, [status, verification]);

  const again = (
    <Button size="sm" busy={status === 'loading'} onClick={() => void verify()}>
      Verify again
    </Button>
  );

  if (status === 'error')
    return <ErrorBanner title="Could not verify the audit trail" error={error} onRetry={() => void verify()} />;
  if (!verification) {
    return (
      <section className="audit-verify is-pending" aria-label="Audit trail verification" aria-busy="true">
        <Loading label="Verifying the hash chain…" />
      </section>
    );
  }
  const checkpoint = verification.checkpoint;
  if (verification.ok) {
    return (
      <section className="audit-verify is-ok" aria-label="Audit trail verification" role="status">
        <span className="audit-verify-icon" aria-hidden="true">
          ✓
        </span>
        <div className="audit-verify-text">
          <h2>Audit trail intact</h2>
          <p>
            {checkpoint ? (
              <>
                All <span className="num">{entriesLabel(verification.entries)}</span> verified from checkpoint #
                {checkpoint.through_id}: none was changed or removed since it was written.
              </>
            ) : (
              <>
                All <span className="num">{verification.entries.toLocaleString()}</span> entries verify: none was
                changed or removed since it was written.
              </>
            )}
            <span className="muted">
              {' '}
              Chain head <span className="mono">{verification.head.slice(0, 12)}</span>
              {checkedAt !== null && (
                <>
                  {' '}
                  · checked <TimeAgo value={checkedAt} />
                </>
              )}
            </span>
          </p>
          {checkpoint && <CheckpointNote checkpoint={checkpoint} />}
        </div>
        {again}
      </section>
    );
  }
  const before = Math.max(0, verification.entries - 1);
  return (
    <section className="audit-verify is-broken" aria-label="Audit trail verification" role="alert">
      <span className="audit-verify-icon" aria-hidden="true">
        !
      </span>
      <div className="audit-verify-text">
        <h2>Audit trail broken at entry #{verification.broken_at}</h2>
        <p>
          Entry #{verification.broken_at} fails verification: {verification.reason}.{' '}
          {before > 0
            ? `The ${entriesLabel(before)} before it ${before === 1 ? 'verifies' : 'verify'}${checkpoint ? `, from checkpoint #${checkpoint.through_id} on` : ''}; `
            : checkpoint
              ? `Verification starts at checkpoint #${checkpoint.through_id}, and no entry after it verifies before this one; `
              : 'It is the first entry of the trail; '}
          from this entry on, the trail cannot be trusted to be what was recorded. This happens when the database file
          is edited outside Tollgate.
        </p>
        {checkpoint && <CheckpointNote checkpoint={checkpoint} />}
      </div>
      <div className="audit-verify-actions">
        <Button size="sm" variant="danger" onClick={() => onShow(verification.broken_at)}>
          Show entry #{verification.broken_at}
        </Button>
        {again}
      </div>
    </section>
  );
}

const entriesLabel = (count: number): string => `${count.toLocaleString()} ${count === 1 ? 'entry' : 'entries'}`;

/** Where the verified chain starts: which entries retention archived, when, and to which file. */
function CheckpointNote({ checkpoint }: { checkpoint: AuditCheckpoint }) {
  const range =
    checkpoint.first_id === checkpoint.through_id
      ? `entry ${checkpoint.first_id}`
      : `entries ${checkpoint.first_id}–${checkpoint.through_id}`;
  return (
    <p className="audit-checkpoint">
      Checkpoint #{checkpoint.through_id} — {range} archived on {formatDateTime(checkpoint.at)} to{' '}
      <span className="mono">{checkpoint.archive_file}</span>
      {checkpoint.first_id > 1 && <> (entries before #{checkpoint.first_id} went to earlier archives)</>}.{' '}
      <span className="muted">
        The file is in the data directory&rsquo;s audit-archive folder and verifies on its own up to the
        checkpoint&rsquo;s hash; SHA-256 <span className="mono">{checkpoint.archive_sha256.slice(0, 12)}</span>.
      </span>
    </p>
  );
}

function EntryRows({
  entry,
  open,
  broken,
  onToggle,
}: {
  entry: AuditEntry;
  open: boolean;
  broken: boolean;
  onToggle: () => void;
}) {
  const changes = diffValues(entry.before, entry.after);
  const detailsId = `audit-details-${entry.id}`;
  const name = targetName(entry.before, entry.after);
  const hasDetail = entry.before !== null || entry.after !== null;
  const signIns = signInSummary(entry.action, entry.after);
  return (
    <Fragment>
      <tr id={`audit-entry-${entry.id}`} className={broken ? 'is-broken' : undefined}>
        <td className="num muted">
          {entry.id}
          {broken && (
            <>
              {' '}
              <Badge tone="danger">fails verification</Badge>
            </>
          )}
        </td>
        <td className="nowrap" title={formatDateTime(entry.at)}>
          <TimeAgo value={entry.at} />
        </td>
        <td>
          <div>{entry.actor}</div>
          {entry.address && <div className="mono muted audit-address">{entry.address}</div>}
        </td>
        <td title={signIns ? describeReasons(signIns.reasons) || undefined : undefined}>{describeEntry(entry)}</td>
        <td>
          {entry.target_type && <span className="muted">{entry.target_type.replace(/-/g, ' ')} </span>}
          {name !== null ? (
            <span title={entry.target_id ?? undefined}>{name}</span>
          ) : (
            entry.target_id && <span className="mono">{entry.target_id}</span>
          )}
        </td>
        <td>
          {hasDetail ? (
            <button
              type="button"
              className="link-button"
              aria-expanded={open}
              aria-controls={detailsId}
              onClick={onToggle}
            >
              {summary(changes, entry)}
            </button>
          ) : (
            <span className="muted">—</span>
          )}
        </td>
      </tr>
      {open && hasDetail && (
        <tr id={detailsId} className="audit-details">
          <td colSpan={6}>
            <Diff entry={entry} />
          </td>
        </tr>
      )}
    </Fragment>
  );
}

function summary(changes: ReturnType<typeof diffValues>, entry: AuditEntry): string {
  if (entry.before === null) return 'Show the new values';
  if (entry.after === null) return 'Show what was removed';
  if (changes.length === 0) return 'No field changed';
  return `${changes.length} field${changes.length === 1 ? '' : 's'} changed`;
}

function Diff({ entry }: { entry: AuditEntry }) {
  const changes = diffValues(entry.before, entry.after);
  return (
    <div className="audit-diff">
      {changes.length > 0 ? (
        <table className="audit-diff-table">
          <caption className="visually-hidden">Fields changed by entry {entry.id}</caption>
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
            </tr>
          </thead>
          <tbody>
            {changes.map((change) => (
              <tr key={change.path} className={`is-${change.kind}`}>
                <th scope="row" className="mono">
                  {change.path}
                </th>
                <td className="mono audit-before">
                  {change.kind === 'added' ? <span className="muted">—</span> : <del>{showValue(change.before)}</del>}
                </td>
                <td className="mono audit-after">
                  {change.kind === 'removed' ? <span className="muted">—</span> : <ins>{showValue(change.after)}</ins>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">Before and after are the same.</p>
      )}
      <details className="audit-json">
        <summary>Full JSON</summary>
        <div className="audit-json-panes">
          <figure>
            <figcaption>Before</figcaption>
            <pre tabIndex={0} aria-label="Before, as JSON">
              {JSON.stringify(entry.before, null, 2)}
            </pre>
          </figure>
          <figure>
            <figcaption>After</figcaption>
            <pre tabIndex={0} aria-label="After, as JSON">
              {JSON.stringify(entry.after, null, 2)}
            </pre>
          </figure>
        </div>
        <p className="muted mono audit-hash">hash {entry.hash}</p>
      </details>
    </div>
  );
}
