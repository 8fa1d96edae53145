// Models and pricing: the price table the gateway charges with, where each price came from (the
// built-in table or an admin's override), its history, and what each model has cost lately.
import { Fragment, useEffect, useMemo, useState } from 'react';
import {
  Badge,
  Button,
  ConfirmDialog,
  EmptyState,
  ErrorBanner,
  formatDateTime,
  formatUsd,
  hrefFor,
  Loading,
  Money,
  PageHeader,
  SegmentedControl,
  useToast,
} from '../../components';
import {
  pricingSelectors,
  ESTIMATED_SAMPLE,
  RATE_FIELDS,
  RATE_LABELS,
  SPEND_DAYS,
  usePricing,
  type EstimatedUsage,
  type PricedModel,
  type PriceVersion,
} from '../../stores/pricing';
import { OverrideDialog } from './OverrideDialog';
import './models.css';

const compactTokens = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export default function ModelsPage() {
  const table = usePricing((state) => state.table);
  const status = usePricing((state) => state.status);
  const error = usePricing((state) => state.error);
  const spend = usePricing((state) => state.spend);
  const overrides = usePricing(pricingSelectors.overrideCount);
  const load = usePricing((state) => state.load);
  const loadSpend = usePricing((state) => state.loadSpend);
  const estimated = usePricing((state) => state.estimated);
  const loadEstimated = usePricing((state) => state.loadEstimated);
  const toast = useToast();

  const [family, setFamily] = useState('all');
  const [editing, setEditing] = useState<PricedModel | null>(null);
  const [removing, setRemoving] = useState<PricedModel | null>(null);
  const [removingBusy, setRemovingBusy] = useState(false);
  const [confirmation, setConfirmation] = useState<string | null>(null);

  useEffect(() => {
    // Spend is credited to catalogue models, so it waits for the table.
    void load().then(() => loadSpend());
    void loadEstimated();
  }, [load, loadSpend, loadEstimated]);

  const models = useMemo(() => table?.models ?? [], [table]);
  const families = useMemo(() => [...new Set(models.map((model) => model.family))].sort(), [models]);
  const shown = family === 'all' ? models : models.filter((model) => model.family === family);
  const grouped = useMemo(() => {
    const groups = new Map<string, PricedModel[]>();
    for (const model of shown) groups.set(model.family, [...(groups.get(model.family) ?? []), model]);
    return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [shown]);

  const remove = (model: PricedModel): void => {
    setRemovingBusy(true);
    usePricing
      .getState()
      .removeOverride(model.model)
      .then((message) => {
        setConfirmation(message);
        toast.success(message);
        setRemoving(null);
      })
      .catch((failure: unknown) =>
        toast.error(`The override was not removed: ${failure instanceof Error ? failure.message : String(failure)}`),
      )
      .finally(() => setRemovingBusy(false));
  };

  return (
    <div className="models-page">
      <PageHeader
        title="Models & pricing"
        description="What the gateway charges per million tokens, model by model. Costs in the log and against budgets are computed from this table."
      />

      {confirmation && (
        <div className="banner banner-info models-confirmation" role="status">
          <div className="banner-text">
            <strong>Price table updated</strong>
            <span>{confirmation}</span>
          </div>
          <Button size="sm" variant="ghost" aria-label="Dismiss" onClick={() => setConfirmation(null)}>
            ×
          </Button>
        </div>
      )}

      {status === 'loading' && <Loading label="Loading the price table…" />}
      {status === 'error' && (
        <ErrorBanner title="Could not load the price table" error={error} onRetry={() => void load()} />
      )}

      {table && (
        <>
          <div className="models-summary">
            <div>
              <span className="muted">Price table</span> <span className="mono">{table.table_version}</span>
            </div>
            <div>
              <span className="num">{models.length}</span> <span className="muted">models</span>
            </div>
            <div>
              <span className="num">{overrides}</span>{' '}
              <span className="muted">{overrides === 1 ? 'override' : 'overrides'}</span>
            </div>
            <div className="muted">Rates in USD per million tokens</div>
            {families.length > 1 && (
              <SegmentedControl
                label="Show family"
                value={family}
                options={[{ value: 'all', label: 'All' }, ...families.map((name) => ({ value: name, label: name }))]}
                onChange={setFamily}
              />
            )}
          </div>

          <aside className="models-note" aria-label="How unlisted models are priced">
            <strong>Models not in this table</strong> are priced like the closest model of the same family (a newer
            Fable like the newest Fable before it), or like the dearest model here when the family is unknown. Their log
            rows carry an <Badge tone="info">estimated cost</Badge> mark; add an override for the exact model id to
            price them precisely.
          </aside>

          {estimated && <EstimatedSection usage={estimated} />}

          {models.length === 0 ? (
            <EmptyState
              title="The price table is empty"
              body="The gateway has no prices, so it cannot put a cost on any request. Restart it to load the built-in table."
            />
          ) : (
            <div className="table-wrap">
              <table className="table models-table">
                <caption className="visually-hidden">Prices in USD per million tokens, by model</caption>
                <thead>
                  <tr>
                    <th scope="col">Model</th>
                    {RATE_FIELDS.map((field) => (
                      <th key={field} scope="col" className="end models-rate-head">
                        {RATE_LABELS[field]}
                      </th>
                    ))}
                    <th scope="col" title="Input / output rates once a prompt is longer than the threshold">
                      Long prompts
                    </th>
                    <th scope="col" className="end models-rate-head">
                      Spend, last {SPEND_DAYS} days
                    </th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                {grouped.map(([name, members]) => (
                  <tbody key={name}>
                    <tr className="models-family">
                      <th scope="rowgroup" colSpan={RATE_FIELDS.length + 4}>
                        {name}
                      </th>
                    </tr>
                    {members.map((model) => (
                      <ModelRow
                        key={model.model}
                        model={model}
                        spend={spend === null ? null : (spend[model.model] ?? 0)}
                        onEdit={() => setEditing(model)}
                        onRemove={() => setRemoving(model)}
                      />
                    ))}
                  </tbody>
                ))}
              </table>
            </div>
          )}
        </>
      )}

      {editing && (
        <OverrideDialog
          model={editing}
          onClose={() => setEditing(null)}
          onSaved={(message) => {
            setConfirmation(message);
            toast.success(message);
          }}
        />
      )}
      <ConfirmDialog
        open={removing !== null}
        title={`Remove the override for ${removing?.display_name ?? ''}?`}
        body={
          <p>
            Requests from now on are priced with the built-in table again. Requests already logged keep the price they
            were charged; the override stays in the model&rsquo;s history.
          </p>
        }
        confirmLabel="Remove override"
        busy={removingBusy}
        onConfirm={() => removing && remove(removing)}
        onCancel={() => setRemoving(null)}
      />
    </div>
  );
}

function ModelRow({
  model,
  spend,
  onEdit,
  onRemove,
}: {
  model: PricedModel;
  spend: number | null;
  onEdit: () => void;
  onRemove: () => void;
}) {
  const [open, setOpen] = useState(false);
  const current = model.current;
  const overridden = current.source === 'override';
  const historyId = `history-${model.model}`;
  return (
    <Fragment>
      <tr className={overridden ? 'is-override' : undefined}>
        <th scope="row" className="models-name">
          <span className="models-display">
            {model.display_name}{' '}
            {overridden ? (
              <Badge tone="info" title={current.note ?? undefined}>
                Override
              </Badge>
            ) : (
              <Badge>Built-in</Badge>
            )}
          </span>
          <span className="mono muted">{model.model}</span>
          <span className="muted models-since">since {day.format(new Date(current.effective_from))}</span>
          {model.aliases.length > 0 && <span className="muted models-aliases">also {model.aliases.join(', ')}</span>}
        </th>
        {RATE_FIELDS.map((field) => (
          <td key={field} className="end num">
            {formatUsd(current[field], 'precise')}
          </td>
        ))}
        <td>
          <Bands version={current} />
        </td>
        <td className="end">{spend === null ? <span className="muted">—</span> : <Money value={spend} />}</td>
        <td className="models-actions">
          <Button
            size="sm"
            onClick={onEdit}
            aria-label={`${overridden ? 'Edit the override' : 'Override the price'} of ${model.display_name}`}
          >
            {overridden ? 'Edit' : 'Override'}
          </Button>
          {overridden && (
            <Button
              size="sm"
              variant="ghost"
              onClick={onRemove}
              aria-label={`Remove the override of ${model.display_name}`}
            >
              Remove
            </Button>
          )}
          {model.history.length > 1 && (
            <Button
              size="sm"
              variant="ghost"
              aria-expanded={open}
              aria-controls={historyId}
              aria-label={`Price history of ${model.display_name}`}
              onClick={() => setOpen(!open)}
            >
              History ({model.history.length})
            </Button>
          )}
        </td>
      </tr>
      {open && (
        <tr id={historyId} className="models-history">
          <td colSpan={RATE_FIELDS.length + 4}>
            <History model={model} />
          </td>
        </tr>
      )}
    </Fragment>
  );
}

/** Recent requests whose model had no exact price, each linking to those rows in the log. */
function EstimatedSection({ usage }: { usage: EstimatedUsage }) {
  const total = usage.models.reduce((sum, entry) => sum + entry.requests, 0);
  return (
    <section className="models-estimated" aria-labelledby="models-estimated-title">
      <h2 id="models-estimated-title" className="models-estimated-title">
        Priced by family, last {SPEND_DAYS} days
      </h2>
      {usage.models.length === 0 ? (
        <p className="muted">Every request in the last {SPEND_DAYS} days had an exact price.</p>
      ) : (
        <>
          <p className="muted">
            {total.toLocaleString()}
            {usage.truncated ? '+' : ''} request{total === 1 ? '' : 's'} named a model this table does not list
            {usage.truncated && ` (counted from the newest ${ESTIMATED_SAMPLE.toLocaleString()})`}. Add an override for
            the exact id to price them precisely.
          </p>
          <ul className="models-estimated-list">
            {usage.models.map((entry) => (
              <li key={entry.model}>
                <span className="mono">{entry.model}</span>{' '}
                <a
                  href={hrefFor('/logs', { estimated: 'true', model: entry.model, range: '30d' })}
                  aria-label={`Show the ${entry.requests} estimated request${entry.requests === 1 ? '' : 's'} for ${entry.model} in the log`}
                >
                  <span className="num">{entry.requests.toLocaleString()}</span> request
                  {entry.requests === 1 ? '' : 's'}
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function Bands({ version }: { version: PriceVersion }) {
  if (version.bands.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="models-bands">
      {version.bands.map((band) => (
        <li
          key={band.above_prompt_tokens}
          title={RATE_FIELDS.map((field) => `${RATE_LABELS[field]} ${formatUsd(band[field], 'precise')}`).join(', ')}
        >
          Over {compactTokens.format(band.above_prompt_tokens)}:{' '}
          <span className="num">{formatUsd(band.input, 'precise')}</span> /{' '}
          <span className="num">{formatUsd(band.output, 'precise')}</span>
        </li>
      ))}
    </ul>
  );
}

function History({ model }: { model: PricedModel }) {
  const versions = [...model.history].reverse();
  return (
    <table className="models-history-table">
      <caption className="visually-hidden">Price history of {model.display_name}, newest first</caption>
      <thead>
        <tr>
          <th scope="col">From</th>
          <th scope="col">Source</th>
          {RATE_FIELDS.map((field) => (
            <th key={field} scope="col" className="end">
              {RATE_LABELS[field]}
            </th>
          ))}
          <th scope="col">Note</th>
        </tr>
      </thead>
      <tbody>
        {versions.map((version) => (
          <tr key={version.id} className={version.id === model.current.id ? 'is-current' : undefined}>
            <td className="nowrap">
              {formatDateTime(version.effective_from)}
              {version.id === model.current.id && <Badge tone="success">in use</Badge>}
              {version.retired_at && <span className="muted"> · retired {formatDateTime(version.retired_at)}</span>}
            </td>
            <td>{version.source === 'override' ? 'Override' : 'Built-in'}</td>
            {RATE_FIELDS.map((field) => (
              <td key={field} className="end num">
                {formatUsd(version[field], 'precise')}
              </td>
            ))}
            <td>{version.note ?? <span className="muted">—</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
