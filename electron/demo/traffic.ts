// Plans a month of Claude Code traffic for the demo, without touching the database: per key, sessions
// on working days; per session, tasks (a prompt, a Haiku side request, then tool-use turns ending in an
// answer); per turn, the usage Claude Code's prompt caching produces (the system prompt, tools and the
// conversation so far read from the cache, the newest messages written to it), timings, and now and
// then an upstream error with its retry, an interrupted stream, or a refusal. Pure: a seeded Random in,
// plain objects out.
import type { TokenUsage } from '../pricing/cost.js';
import type { Random } from './prng.js';
import { MODELS, type DemoModel, type KeyPlan, type ProjectName, type TrafficProfile } from './scenario.js';

export const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** Claude Code's prompt cache lives five minutes from its last use. */
const CACHE_TTL_MS = 5 * MINUTE_MS;
/** Claude Code compacts the conversation when it nears the context window. */
const COMPACT_ABOVE_TOKENS = 150_000;

export type ToolName =
  'Read' | 'Bash' | 'Edit' | 'Grep' | 'Glob' | 'TodoWrite' | 'Write' | 'MultiEdit' | 'Task' | 'WebFetch' | 'WebSearch';

export interface ToolCall {
  name: ToolName;
  resultTokens: number;
}

export type RefusalReason =
  | 'key_missing'
  | 'key_unknown'
  | 'key_revoked'
  | 'key_expired'
  | 'model_denied'
  | 'tool_denied'
  | 'rate_limit'
  | 'concurrency_limit'
  | 'budget_exhausted'
  | 'budget_reserved'
  | 'invalid_request'
  | 'too_large';

export type Outcome =
  | { kind: 'success' }
  | { kind: 'upstream_error'; statusCode: number; errorType: string; message: string }
  | { kind: 'stream_error'; errorType: string; message: string }
  | { kind: 'aborted' }
  | { kind: 'refused'; reason: RefusalReason };

export interface PlannedRequest {
  at: number;
  keyRef: string | null;
  sessionId: string | null;
  session: PlannedSession | null;
  client: string;
  /** main: a turn of the conversation; side: Haiku's topic check; compact: the summary at compaction. */
  role: 'main' | 'side' | 'compact';
  /** The model the client asked for; null when the body could not be read. */
  model: DemoModel | null;
  task: number;
  tools: ToolCall[];
  final: boolean;
  /** The usage had the request run to completion. */
  usage: TokenUsage;
  thinkingTokens: number;
  ttfbMs: number;
  durationMs: number;
  /** Share of the output produced before an interruption or a stream error. */
  completed: number;
  outcome: Outcome;
  retry: number;
  stream: boolean;
}

export interface PlannedSession {
  id: string;
  keyRef: string;
  project: ProjectName;
  profile: TrafficProfile;
  start: number;
  /** Seeds of each task's prompt, in order. */
  tasks: number[];
  /** Tokens of system prompt and tools. */
  prefixTokens: number;
  requests: PlannedRequest[];
}

export interface TrafficPlan {
  sessions: PlannedSession[];
  /** Every request, sessions' and stray ones, oldest first. */
  requests: PlannedRequest[];
}

interface ModelSpeed {
  ttfbMs: number;
  tokensPerSecond: number;
}

const SPEED: Record<DemoModel, ModelSpeed> = {
  [MODELS.opus48]: { ttfbMs: 1900, tokensPerSecond: 55 },
  [MODELS.opus55]: { ttfbMs: 1500, tokensPerSecond: 68 },
  [MODELS.sonnet45]: { ttfbMs: 1100, tokensPerSecond: 85 },
  [MODELS.haiku45]: { ttfbMs: 450, tokensPerSecond: 170 },
};

const TOOL_WEIGHTS: Record<TrafficProfile['kind'], readonly (readonly [ToolName, number])[]> = {
  developer: [
    ['Read', 28],
    ['Bash', 24],
    ['Edit', 16],
    ['Grep', 12],
    ['Glob', 6],
    ['TodoWrite', 6],
    ['Write', 3],
    ['MultiEdit', 2],
    ['Task', 2],
    ['WebFetch', 1.5],
    ['WebSearch', 0.5],
  ],
  'review-bot': [
    ['Read', 40],
    ['Grep', 25],
    ['Bash', 20],
    ['Glob', 10],
  ],
  agent: [
    ['Bash', 40],
    ['Read', 25],
    ['Edit', 15],
    ['Grep', 10],
    ['Write', 5],
    ['TodoWrite', 5],
  ],
};

function toolResultTokens(rng: Random, name: ToolName): number {
  switch (name) {
    case 'Read':
      return Math.round(rng.logNormal(2500, 0.8, 80, 14_000));
    case 'Bash':
      return Math.round(rng.logNormal(400, 1.2, 10, 8000));
    case 'Grep':
      return Math.round(rng.logNormal(300, 1.0, 10, 4000));
    case 'Glob':
      return Math.round(rng.logNormal(120, 0.8, 10, 1500));
    case 'Edit':
      return rng.int(80, 250);
    case 'MultiEdit':
      return rng.int(100, 400);
    case 'Write':
      return rng.int(20, 40);
    case 'TodoWrite':
      return rng.int(30, 60);
    case 'Task':
      return Math.round(rng.logNormal(900, 0.6, 100, 5000));
    case 'WebFetch':
      return Math.round(rng.logNormal(1500, 0.6, 200, 6000));
    case 'WebSearch':
      return Math.round(rng.logNormal(1200, 0.5, 200, 4000));
  }
}

function toolMs(rng: Random, name: ToolName): number {
  if (name === 'Bash') return Math.round(rng.logNormal(2500, 1.3, 100, 180_000));
  if (name === 'Task') return rng.int(20_000, 120_000);
  if (name === 'WebFetch' || name === 'WebSearch') return rng.int(1500, 6000);
  return rng.int(30, 400);
}

const UPSTREAM_ERRORS = {
  overloaded: { statusCode: 529, errorType: 'overloaded_error', message: 'Overloaded' },
  rateLimited: {
    statusCode: 429,
    errorType: 'rate_limit_error',
    message:
      "This request would exceed your organization's rate limit of 2,000,000 input tokens per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later.",
  },
  internal: { statusCode: 500, errorType: 'api_error', message: 'Internal server error' },
} as const;

export interface PlanOptions {
  now: number;
  days: number;
}

/** Plans every key's traffic over the last `days` days up to `now`. */
export function planTraffic(rng: Random, keys: readonly KeyPlan[], options: PlanOptions): TrafficPlan {
  const sessions: PlannedSession[] = [];
  const stray: PlannedRequest[] = [];
  for (const key of keys) {
    if (!key.profile) continue;
    const keyRng = rng.fork(`key:${key.ref}`);
    const from = options.now - (key.activeSinceDaysAgo ?? options.days) * DAY_MS;
    const until = options.now - (key.revokedDaysAgo ?? key.expiredDaysAgo ?? 0) * DAY_MS;
    const keySessions = planKeySessions(keyRng, key, key.profile, from, until, options.now);
    sessions.push(...keySessions);
    stray.push(...planRefusals(keyRng.fork('refusals'), key, keySessions, options.now));
  }
  stray.push(...planKeylessRefusals(rng.fork('keyless'), options.now, options.days));

  const requests = sessions.flatMap((session) => session.requests).concat(stray);
  requests.sort((a, b) => a.at - b.at);
  return { sessions, requests: requests.filter((request) => request.at <= options.now) };
}

function planKeySessions(
  rng: Random,
  key: KeyPlan,
  profile: TrafficProfile,
  from: number,
  until: number,
  now: number,
): PlannedSession[] {
  const sessions: PlannedSession[] = [];
  const firstDay = Math.floor(from / DAY_MS) * DAY_MS;
  for (let day = firstDay; day < until; day += DAY_MS) {
    const weekday = new Date(day).getUTCDay();
    const weekend = weekday === 0 || weekday === 6;
    const count = weekend
      ? rng.chance(profile.weekendChance)
        ? rng.int(1, profile.kind === 'review-bot' ? 8 : 2)
        : 0
      : rng.int(profile.sessionsPerWorkday[0], profile.sessionsPerWorkday[1]);
    const [startHour, endHour] = profile.hoursUtc;
    for (let i = 0; i < count; i++) {
      const start = day + Math.round(rng.between(startHour, endHour) * 3_600_000);
      if (start < from || start >= until || start > now) continue;
      sessions.push(planSession(rng.fork(`session:${day}:${i}`), key, profile, start, until));
    }
  }
  return sessions;
}

function usage(input: number, output: number, cacheWrite: number, cacheRead: number): TokenUsage {
  return {
    input_tokens: input,
    output_tokens: output,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
    cache_creation_5m_input_tokens: cacheWrite,
    cache_creation_1h_input_tokens: 0,
  };
}

function planSession(rng: Random, key: KeyPlan, profile: TrafficProfile, start: number, until: number): PlannedSession {
  const [median, fewest, most] = profile.sessionRequests;
  const target = Math.round(rng.logNormal(median, 0.6, fewest, most));
  const prefix = Math.round(profile.prefixTokens * rng.between(0.95, 1.08));
  const session: PlannedSession = {
    id: rng.uuid(),
    keyRef: key.ref,
    project: profile.project,
    profile,
    start,
    tasks: [],
    prefixTokens: prefix,
    requests: [],
  };
  const model = rng.weighted(profile.models);
  const deniedTools = new Set(key.policy.tool_policy?.deny ?? []);
  const tools = TOOL_WEIGHTS[profile.kind].filter(([name]) => !deniedTools.has(name));

  let at = start;
  let conversation = 0;
  // Another session of the same person minutes earlier leaves the system prompt and tools in the cache.
  let cached = rng.chance(0.3) ? prefix : 0;
  let lastMainAt = cached ? start - MINUTE_MS : start - 2 * CACHE_TTL_MS;

  const push = (request: Omit<PlannedRequest, 'keyRef' | 'sessionId' | 'session' | 'client' | 'stream'>): void => {
    if (request.at >= until) return;
    session.requests.push({
      ...request,
      keyRef: key.ref,
      sessionId: session.id,
      session,
      client: profile.client,
      stream: true,
    });
  };

  while (session.requests.length < target && at < until) {
    const task = session.tasks.length;
    session.tasks.push(rng.uint32());
    const promptTokens =
      profile.kind === 'review-bot' ? rng.int(2000, 15_000) : task === 0 ? rng.int(1200, 2400) : rng.int(40, 600);
    conversation += promptTokens;

    if (profile.kind === 'developer') {
      const output = rng.int(12, 45);
      const ttfb = Math.round(rng.logNormal(SPEED[MODELS.haiku45].ttfbMs, 0.3, 200, 3000));
      push({
        at,
        role: 'side',
        model: MODELS.haiku45,
        task,
        tools: [],
        final: true,
        usage: usage(promptTokens + rng.int(180, 320), output, 0, 0),
        thinkingTokens: 0,
        ttfbMs: ttfb,
        durationMs: ttfb + Math.round((output / SPEED[MODELS.haiku45].tokensPerSecond) * 1000),
        completed: 1,
        outcome: { kind: 'success' },
        retry: 0,
      });
      at += rng.int(20, 120);
    }

    const turns = profile.kind === 'review-bot' ? target : profile.kind === 'agent' ? rng.int(4, 16) : rng.int(1, 9);
    for (let turn = 0; turn < turns && session.requests.length < target; turn++) {
      const final = turn === turns - 1 || session.requests.length === target - 1;
      const calls: ToolCall[] = [];
      if (!final) {
        const count = rng.weighted([
          [1, 7],
          [2, 2],
          [3, 1],
        ] as const);
        for (let i = 0; i < count; i++) {
          const name = rng.weighted(tools);
          calls.push({ name, resultTokens: toolResultTokens(rng, name) });
        }
      }
      const thinking = profile.thinking && rng.chance(0.55) ? Math.round(rng.logNormal(350, 0.8, 40, 6000)) : 0;
      const visible = Math.round(final ? rng.logNormal(600, 0.7, 60, 4000) : rng.logNormal(220, 0.6, 30, 1800));
      const prompt = prefix + conversation;
      // Past the cache's lifetime everything is written again; within it, all but the newest messages are read.
      const cacheRead = at - lastMainAt > CACHE_TTL_MS ? 0 : Math.min(cached, prompt);
      const input = Math.min(prompt - cacheRead, rng.int(1, 9));
      const planned = usage(input, thinking + visible, prompt - cacheRead - input, cacheRead);
      cached = prompt;
      const speed = SPEED[model];
      const ttfb = Math.round(rng.logNormal(speed.ttfbMs, 0.35, 300, 15_000) + prompt / 200);
      const duration = ttfb + Math.round(((thinking + visible) / speed.tokensPerSecond) * 1000);
      const base = {
        role: 'main' as const,
        model,
        task,
        tools: calls,
        final,
        usage: planned,
        thinkingTokens: thinking,
        retry: 0,
      };

      const roll = rng.next();
      const abortChance = profile.kind === 'developer' ? 0.012 : 0.002;
      if (roll < 0.007) {
        // The API failed the request; Claude Code retries it after a back-off.
        const error =
          roll < 0.0045
            ? UPSTREAM_ERRORS.overloaded
            : roll < 0.006
              ? UPSTREAM_ERRORS.rateLimited
              : UPSTREAM_ERRORS.internal;
        const errorTtfb = rng.int(250, 2500);
        push({
          ...base,
          at,
          ttfbMs: errorTtfb,
          durationMs: errorTtfb,
          completed: 0,
          outcome: { kind: 'upstream_error', ...error },
        });
        at += errorTtfb + (error.statusCode === 429 ? rng.int(15_000, 40_000) : rng.int(1000, 8000));
        push({ ...base, at, ttfbMs: ttfb, durationMs: duration, completed: 1, outcome: { kind: 'success' }, retry: 1 });
      } else if (roll < 0.0085) {
        const completed = rng.between(0.1, 0.8);
        const cut = ttfb + Math.round((duration - ttfb) * completed);
        push({
          ...base,
          at,
          ttfbMs: ttfb,
          durationMs: cut,
          completed,
          outcome: { kind: 'stream_error', errorType: 'overloaded_error', message: 'Overloaded' },
        });
        at += cut + rng.int(1000, 6000);
        push({ ...base, at, ttfbMs: ttfb, durationMs: duration, completed: 1, outcome: { kind: 'success' }, retry: 1 });
      } else if (roll < 0.0085 + abortChance) {
        // Esc pressed mid-answer: the task ends here and the person types something else.
        const completed = rng.between(0.05, 0.7);
        const cut = ttfb + Math.round((duration - ttfb) * completed);
        push({ ...base, at, ttfbMs: ttfb, durationMs: cut, completed, outcome: { kind: 'aborted' } });
        lastMainAt = at;
        at += cut + Math.round(rng.logNormal(20_000, 0.8, 3000, 300_000));
        conversation += 20;
        break;
      } else {
        push({ ...base, at, ttfbMs: ttfb, durationMs: duration, completed: 1, outcome: { kind: 'success' } });
      }
      lastMainAt = at;
      at += duration;
      conversation += visible;
      for (const call of calls) {
        conversation += call.resultTokens;
        at += toolMs(rng, call.name);
      }

      if (prefix + conversation > COMPACT_ABOVE_TOKENS && !final) {
        const summary = rng.int(2500, 5000);
        const compactPrompt = prefix + conversation;
        const compactDuration = ttfb + Math.round((summary / speed.tokensPerSecond) * 1000);
        push({
          role: 'compact',
          model,
          task,
          tools: [],
          final: true,
          usage: usage(rng.int(1, 9), summary, rng.int(200, 600), compactPrompt - 600),
          thinkingTokens: 0,
          retry: 0,
          at,
          ttfbMs: ttfb,
          durationMs: compactDuration,
          completed: 1,
          outcome: { kind: 'success' },
        });
        at += compactDuration;
        lastMainAt = at;
        conversation = summary + rng.int(1500, 3000);
        cached = prefix;
      }
    }
    at +=
      profile.kind === 'developer' ? Math.round(rng.logNormal(90_000, 1.0, 8000, 25 * MINUTE_MS)) : rng.int(500, 4000);
  }
  return session;
}

function refusal(
  at: number,
  key: KeyPlan | null,
  session: PlannedSession | null,
  reason: RefusalReason,
  model: DemoModel | null,
  client: string,
): PlannedRequest {
  return {
    at,
    keyRef: key?.ref ?? null,
    sessionId: session?.id ?? null,
    session,
    client,
    role: 'main',
    model,
    task: session ? Math.max(0, session.tasks.length - 1) : 0,
    tools: [],
    final: false,
    usage: usage(0, 0, 0, 0),
    thinkingTokens: 0,
    ttfbMs: 0,
    durationMs: 1,
    completed: 0,
    outcome: { kind: 'refused', reason },
    retry: 0,
    stream: model !== null,
  };
}

/** The refusals a key's owner runs into apart from budgets, placed in their own sessions. */
function planRefusals(rng: Random, key: KeyPlan, sessions: readonly PlannedSession[], now: number): PlannedRequest[] {
  const out: PlannedRequest[] = [];
  const client = key.profile?.client ?? 'claude-cli/2.1.330 (external, cli)';
  const mains = (session: PlannedSession): PlannedRequest[] =>
    session.requests.filter((request) => request.role === 'main');
  const someSession = (): PlannedSession | null => (sessions.length ? rng.pick(sessions) : null);
  for (const [reason, count] of Object.entries(key.refusals ?? {}) as [RefusalReason, number][]) {
    for (let i = 0; i < count; i++) {
      const session = someSession();
      if (!session) break;
      const first = session.requests[0];
      if (!first) continue;
      switch (reason) {
        case 'model_denied':
          // Tried /model opus, was refused, went back to the allowed model.
          out.push(refusal(first.at - rng.int(20_000, 90_000), key, session, reason, MODELS.opus48, client));
          break;
        case 'rate_limit':
        case 'concurrency_limit': {
          const victim = rng.pick(mains(session).length ? mains(session) : session.requests);
          out.push(refusal(victim.at - rng.int(1000, 20_000), key, session, reason, victim.model, client));
          break;
        }
        case 'tool_denied':
          out.push(
            refusal(
              rng.pick(session.requests).at + 500,
              key,
              session,
              reason,
              MODELS.opus48,
              'claims-notebook-agent/0.3 (python-httpx/0.28.1)',
            ),
          );
          break;
        case 'invalid_request':
          out.push({
            ...refusal(first.at + rng.int(60_000, 3_600_000), key, null, reason, null, 'curl/8.5.0'),
            stream: false,
          });
          break;
        case 'too_large':
          out.push(refusal(first.at + rng.int(60_000, 3_600_000), key, null, reason, null, client));
          break;
        default:
          break;
      }
    }
  }
  // A forgotten script keeps using a revoked key; a contractor tries again after the contract ended.
  const endedDaysAgo = key.revokedDaysAgo ?? key.expiredDaysAgo;
  if (endedDaysAgo !== undefined) {
    const ended = now - endedDaysAgo * DAY_MS;
    const attempts = key.revokedDaysAgo !== undefined ? 3 : 4;
    for (let i = 0; i < attempts; i++) {
      const at = ended + rng.int(2, Math.min(endedDaysAgo * 24, 72)) * 3_600_000 + rng.int(0, 3_600_000);
      out.push(
        refusal(
          Math.min(at, now - MINUTE_MS),
          key,
          null,
          key.revokedDaysAgo !== undefined ? 'key_revoked' : 'key_expired',
          key.profile?.models[0]?.[0] ?? MODELS.sonnet45,
          client,
        ),
      );
    }
  }
  return out;
}

/** Requests that reached the gateway without a Tollgate key: a forgotten setting, a raw Anthropic key. */
function planKeylessRefusals(rng: Random, now: number, days: number): PlannedRequest[] {
  const out: PlannedRequest[] = [];
  for (const reason of [
    'key_missing',
    'key_missing',
    'key_missing',
    'key_unknown',
    'key_unknown',
    'key_unknown',
  ] as const) {
    const at = now - rng.int(1, days - 1) * DAY_MS + rng.int(9, 17) * 3_600_000;
    out.push({
      ...refusal(
        Math.min(at, now - MINUTE_MS),
        null,
        null,
        reason,
        MODELS.sonnet45,
        'claude-cli/2.1.330 (external, cli)',
      ),
      sessionId: rng.uuid(),
    });
  }
  return out;
}
