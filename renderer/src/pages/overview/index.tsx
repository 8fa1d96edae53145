// The overview: where the money goes, at a glance. Spend now, spend over time, each person's spend
// beside what their Claude Code did, budgets that will cross, the sessions that cost most, what
// caching saved, and what was refused.
import { useEffect } from 'react';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { ErrorBanner } from '../../components/ErrorBanner';
import { PageHeader } from '../../components/PageHeader';
import { SegmentedControl } from '../../components/SegmentedControl';
import { Loading, Spinner } from '../../components/Spinner';
import { useKeys } from '../../stores/keys';
import { overviewSelectors, useOverview, type SeriesBucket, type SeriesGroup } from '../../stores/overview';
import { GettingStarted } from './GettingStarted';
import { BudgetHealthCard, PeopleCard, ProblemsCard, SpendStats, TopSessionsCard } from './sections';
import { SpendChart } from './SpendChart';

const GROUPS: { value: SeriesGroup; label: string }[] = [
  { value: 'team', label: 'Team' },
  { value: 'key', label: 'Key' },
  { value: 'model', label: 'Model' },
];
const BUCKETS: { value: SeriesBucket; label: string }[] = [
  { value: 'day', label: 'Daily' },
  { value: 'hour', label: 'Hourly' },
];

export default function OverviewPage() {
  const overview = useOverview((state) => state.overview);
  const status = useOverview((state) => state.status);
  const error = useOverview((state) => state.error);
  const load = useOverview((state) => state.load);
  const keyCount = useKeys((state) => state.keys.length);
  const keysStatus = useKeys((state) => state.status);
  const loadKeys = useKeys((state) => state.load);

  useEffect(() => {
    void load();
    void loadKeys();
  }, [load, loadKeys]);

  const fresh = overview !== null && keysStatus === 'ready' && keyCount === 0 && overviewSelectors.isQuiet(overview);

  return (
    <>
      <PageHeader
        title="Overview"
        description={overview ? `Where the money goes. Days and weeks follow ${overview.time_zone}.` : 'Where the money goes.'}
        actions={
          <Button onClick={() => void load()} busy={status === 'loading' && overview !== null} aria-label="Refresh the overview">
            Refresh
          </Button>
        }
      />
      {error && <ErrorBanner title="Could not load the overview" error={error} onRetry={() => void load()} />}
      {!overview && status === 'loading' && <Loading label="Loading the overview…" />}
      {overview && fresh && <GettingStarted />}
      {overview && !fresh && (
        <div className="overview">
          <SpendStats overview={overview} />
          <SpendOverTime />
          <PeopleCard overview={overview} />
          <div className="overview-grid">
            <BudgetHealthCard overview={overview} />
            <ProblemsCard overview={overview} />
            <TopSessionsCard overview={overview} />
          </div>
        </div>
      )}
    </>
  );
}

function SpendOverTime() {
  const chart = useOverview(overviewSelectors.chart);
  const group = useOverview((state) => state.group);
  const bucket = useOverview((state) => state.bucket);
  const status = useOverview((state) => state.seriesStatus);
  const error = useOverview((state) => state.seriesError);
  const setGroup = useOverview((state) => state.setGroup);
  const setBucket = useOverview((state) => state.setBucket);
  const loadSeries = useOverview((state) => state.loadSeries);
  return (
    <Card
      title="Spend over time"
      subtitle={bucket === 'day' ? 'The last 30 days' : 'The last 48 hours'}
      actions={
        <>
          {status === 'loading' && <Spinner label="Updating the chart" />}
          <SegmentedControl label="Stack spend by" value={group} options={GROUPS} onChange={setGroup} />
          <SegmentedControl label="Bar size" value={bucket} options={BUCKETS} onChange={setBucket} />
        </>
      }
    >
      {error ? (
        <ErrorBanner title="Could not load spend over time" error={error} onRetry={() => void loadSeries()} />
      ) : chart.columns.length === 0 ? (
        <p className="muted chart-empty">{status === 'loading' ? 'Loading…' : 'No spend in this period.'}</p>
      ) : (
        <SpendChart chart={chart} bucket={bucket} groupLabel={group} />
      )}
    </Card>
  );
}
