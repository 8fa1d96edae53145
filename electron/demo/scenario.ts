// Who uses the demo gateway and how: two customers, four teams, eight people and a dozen keys, each
// key with its budgets, limits and policy and a traffic profile that says how its owner works. Budgets
// name a target instead of a dollar figure — the share of the current period's spend they should show —
// and the generator turns that into a limit once it has priced the month of traffic.
import type { KeyPolicy } from '../store/virtual-keys.js';

export const MODELS = {
  opus48: 'claude-opus-4-8',
  opus55: 'claude-opus-5-5',
  sonnet45: 'claude-sonnet-4-5-20250929',
  haiku45: 'claude-haiku-4-5-20251001',
} as const;
export type DemoModel = (typeof MODELS)[keyof typeof MODELS];

export interface BudgetPlan {
  reset: '1d' | '1w' | '1M';
  /** Resets at midnight / Monday / the 1st; otherwise counted from when the budget was set. */
  calendar: boolean;
  /**
   * Spend ÷ limit the budget should show now. For budgets counted from their creation it is measured
   * on the current period so far; for calendar budgets on a whole period at the month's average pace.
   * Above 1 the budget runs out before now, and the key's later requests are refused.
   */
  target: number;
  /** Counted budgets only: how far into its current period "now" falls, 0..1. */
  elapsed?: number;
  /** A fixed limit in USD instead of a target. */
  limitUsd?: number;
}

export type ProjectName = 'payments-service' | 'storefront' | 'claims-pipeline' | 'infrastructure';

export interface TrafficProfile {
  kind: 'developer' | 'review-bot' | 'agent';
  /** Sessions started on a weekday: [fewest, most]. */
  sessionsPerWorkday: readonly [number, number];
  /** Chance of one or two sessions on a weekend day. */
  weekendChance: number;
  /** Working hours in UTC: sessions start between these hours. */
  hoursUtc: readonly [number, number];
  /** The model of a session's main turns, by weight; Haiku side requests are added on top. */
  models: readonly (readonly [DemoModel, number])[];
  /** Requests per session: median, fewest, most. */
  sessionRequests: readonly [number, number, number];
  project: ProjectName;
  client: string;
  /** Tokens of system prompt and tool definitions before the conversation. */
  prefixTokens: number;
  thinking: boolean;
}

export interface KeyPlan {
  ref: string;
  name: string;
  description: string;
  user?: string;
  team?: string;
  createdDaysAgo: number;
  budgets: BudgetPlan[];
  rateLimit?: {
    request_max_limit?: number;
    request_reset_duration?: string;
    token_max_limit?: number;
    token_reset_duration?: string;
  };
  policy: KeyPolicy;
  captureContent: boolean;
  /** Revoked this many days ago; its traffic stops then, bar a few refused attempts. */
  revokedDaysAgo?: number;
  /** Expired this many days ago. */
  expiredDaysAgo?: number;
  /** Its traffic started this many days ago (a key replacing a revoked one). */
  activeSinceDaysAgo?: number;
  profile: TrafficProfile | null;
  /** Refusals its owner runs into besides budgets: how many of each over the month. */
  refusals?: Partial<
    Record<
      'model_denied' | 'tool_denied' | 'rate_limit' | 'concurrency_limit' | 'invalid_request' | 'too_large',
      number
    >
  >;
}

export interface OrgPlan {
  ref: string;
  name: string;
  description: string;
  budgets: BudgetPlan[];
}

export const CUSTOMERS: OrgPlan[] = [
  {
    ref: 'northwind',
    name: 'Northwind Traders',
    description: 'Retail platform: payments and the storefront',
    budgets: [{ reset: '1M', calendar: true, target: 0.55 }],
  },
  {
    ref: 'contoso',
    name: 'Contoso Health',
    description: 'Claims processing; prompts may contain patient data, so content capture is off for its keys',
    budgets: [{ reset: '1M', calendar: true, target: 0.6 }],
  },
];

export const TEAMS: (OrgPlan & { customer: string | null })[] = [
  {
    ref: 'platform',
    name: 'Platform',
    description: 'Payments service and shared libraries',
    customer: 'northwind',
    budgets: [{ reset: '1M', calendar: false, target: 0.8, elapsed: 0.7 }],
  },
  {
    ref: 'web',
    name: 'Web',
    description: 'Storefront (Next.js)',
    customer: 'northwind',
    budgets: [{ reset: '1M', calendar: true, target: 0.65 }],
  },
  {
    ref: 'data',
    name: 'Data',
    description: 'Claims pipeline (Python)',
    customer: 'contoso',
    budgets: [{ reset: '1w', calendar: true, target: 0.6 }],
  },
  {
    ref: 'infra',
    name: 'Infrastructure & CI',
    description: 'Terraform, CI runners and the review bot',
    customer: null,
    budgets: [{ reset: '1M', calendar: true, target: 0.5 }],
  },
];

export const USERS: { ref: string; name: string; email: string; team: string; budgets: BudgetPlan[] }[] = [
  {
    ref: 'priya',
    name: 'Priya Raman',
    email: 'priya.raman@northwind.example',
    team: 'platform',
    budgets: [{ reset: '1d', calendar: true, target: 0.5 }],
  },
  { ref: 'tom', name: 'Tom Becker', email: 'tom.becker@northwind.example', team: 'platform', budgets: [] },
  { ref: 'diego', name: 'Diego Alvarez', email: 'diego.alvarez@northwind.example', team: 'platform', budgets: [] },
  { ref: 'amara', name: 'Amara Okafor', email: 'amara.okafor@northwind.example', team: 'web', budgets: [] },
  { ref: 'lucas', name: 'Lucas Moreau', email: 'lucas.moreau@northwind.example', team: 'web', budgets: [] },
  { ref: 'sofia', name: 'Sofia Lindqvist', email: 'sofia.lindqvist@contoso.example', team: 'data', budgets: [] },
  { ref: 'kenji', name: 'Kenji Watanabe', email: 'kenji.watanabe@contoso.example', team: 'data', budgets: [] },
  { ref: 'maya', name: 'Maya Cohen', email: 'maya.cohen@northwind.example', team: 'infra', budgets: [] },
];

const CLI = 'claude-cli/2.1.330 (external, cli)';
const CLI_OLDER = 'claude-cli/2.1.318 (external, cli)';

const developer = (
  overrides: Partial<TrafficProfile> & Pick<TrafficProfile, 'project' | 'models'>,
): TrafficProfile => ({
  kind: 'developer',
  sessionsPerWorkday: [3, 7],
  weekendChance: 0.15,
  hoursUtc: [8, 18],
  sessionRequests: [22, 5, 60],
  client: CLI,
  prefixTokens: 24_000,
  thinking: true,
  ...overrides,
});

export const KEYS: KeyPlan[] = [
  {
    ref: 'priya',
    name: 'priya-laptop',
    description: 'Priya’s MacBook',
    user: 'priya',
    createdDaysAgo: 62,
    budgets: [{ reset: '1M', calendar: true, target: 0.45 }],
    policy: {},
    captureContent: true,
    profile: developer({
      project: 'payments-service',
      sessionsPerWorkday: [4, 8],
      models: [
        [MODELS.opus48, 6],
        [MODELS.opus55, 3],
        [MODELS.sonnet45, 1],
      ],
    }),
  },
  {
    ref: 'tom',
    name: 'tom-workstation',
    description: 'Replaces tom-laptop-2024',
    user: 'tom',
    createdDaysAgo: 12,
    activeSinceDaysAgo: 11,
    budgets: [{ reset: '1w', calendar: false, target: 0.9, elapsed: 0.75 }],
    policy: { max_concurrent_requests: 6 },
    captureContent: true,
    profile: developer({
      project: 'payments-service',
      models: [
        [MODELS.opus55, 5],
        [MODELS.sonnet45, 3],
      ],
      hoursUtc: [7, 16],
    }),
  },
  {
    ref: 'tom-old',
    name: 'tom-laptop-2024',
    description: 'Revoked: laptop replaced',
    user: 'tom',
    createdDaysAgo: 300,
    revokedDaysAgo: 11,
    budgets: [],
    policy: {},
    captureContent: true,
    profile: developer({
      project: 'payments-service',
      client: CLI_OLDER,
      models: [
        [MODELS.opus48, 5],
        [MODELS.sonnet45, 3],
      ],
      hoursUtc: [7, 16],
    }),
  },
  {
    ref: 'diego',
    name: 'diego-dev',
    description: 'Diego’s dev box',
    user: 'diego',
    createdDaysAgo: 58,
    budgets: [{ reset: '1M', calendar: false, target: 0.35, elapsed: 0.4 }],
    policy: {},
    captureContent: true,
    refusals: { invalid_request: 2, too_large: 2 },
    profile: developer({
      project: 'payments-service',
      hoursUtc: [13, 22],
      models: [
        [MODELS.sonnet45, 6],
        [MODELS.opus48, 2],
      ],
    }),
  },
  {
    ref: 'amara',
    name: 'amara-laptop',
    description: 'Amara’s laptop',
    user: 'amara',
    createdDaysAgo: 57,
    budgets: [{ reset: '1w', calendar: false, target: 1.1, elapsed: 0.6 }],
    policy: {},
    captureContent: true,
    profile: developer({
      project: 'storefront',
      sessionsPerWorkday: [4, 7],
      models: [
        [MODELS.opus55, 7],
        [MODELS.haiku45, 1],
      ],
    }),
  },
  {
    ref: 'lucas',
    name: 'lucas-laptop',
    description: 'Lucas’s laptop',
    user: 'lucas',
    createdDaysAgo: 55,
    budgets: [{ reset: '1M', calendar: false, target: 0.86, elapsed: 0.6 }],
    policy: {},
    captureContent: true,
    profile: developer({
      project: 'storefront',
      hoursUtc: [9, 19],
      models: [
        [MODELS.sonnet45, 5],
        [MODELS.opus48, 3],
      ],
    }),
  },
  {
    ref: 'sofia',
    name: 'sofia-laptop',
    description: 'Opus is off-limits for the Data team’s keys',
    user: 'sofia',
    createdDaysAgo: 50,
    budgets: [{ reset: '1M', calendar: true, target: 0.5 }],
    policy: { denied_models: ['claude-opus-*'] },
    captureContent: false,
    refusals: { model_denied: 4 },
    profile: developer({
      project: 'claims-pipeline',
      hoursUtc: [7, 16],
      models: [
        [MODELS.sonnet45, 8],
        [MODELS.haiku45, 1],
      ],
    }),
  },
  {
    ref: 'kenji',
    name: 'kenji-laptop',
    description: 'Opus requests run on Sonnet; no web tools',
    user: 'kenji',
    createdDaysAgo: 50,
    budgets: [{ reset: '1M', calendar: true, target: 0.5 }],
    policy: {
      model_remap: { 'claude-opus-*': MODELS.sonnet45 },
      tool_policy: { deny: ['WebFetch', 'WebSearch'] },
    },
    captureContent: false,
    refusals: { tool_denied: 2 },
    profile: developer({
      project: 'claims-pipeline',
      hoursUtc: [0, 9],
      models: [
        [MODELS.opus48, 6],
        [MODELS.sonnet45, 2],
      ],
    }),
  },
  {
    ref: 'maya',
    name: 'maya-laptop',
    description: 'Rate-limited while we size the CI quota',
    user: 'maya',
    createdDaysAgo: 45,
    budgets: [{ reset: '1M', calendar: false, target: 0.42, elapsed: 0.5 }],
    rateLimit: {
      request_max_limit: 40,
      request_reset_duration: '1m',
      token_max_limit: 4_000_000,
      token_reset_duration: '1m',
    },
    policy: { max_concurrent_requests: 3 },
    captureContent: true,
    refusals: { rate_limit: 5, concurrency_limit: 4 },
    profile: developer({
      project: 'infrastructure',
      models: [
        [MODELS.sonnet45, 4],
        [MODELS.opus55, 4],
      ],
    }),
  },
  {
    ref: 'review-bot',
    name: 'ci-review-bot',
    description: 'Reviews every pull request in CI (GitHub Actions)',
    team: 'infra',
    createdDaysAgo: 60,
    budgets: [
      { reset: '1d', calendar: true, target: 0.7 },
      { reset: '1M', calendar: true, target: 0.6 },
    ],
    rateLimit: { request_max_limit: 120, request_reset_duration: '1m' },
    policy: {
      model_remap: { 'claude-opus-*': MODELS.sonnet45 },
      allowed_models: ['claude-sonnet-*', 'claude-haiku-*'],
    },
    captureContent: true,
    refusals: { rate_limit: 6 },
    profile: {
      kind: 'review-bot',
      sessionsPerWorkday: [25, 45],
      weekendChance: 0.9,
      hoursUtc: [6, 22],
      models: [
        [MODELS.sonnet45, 9],
        [MODELS.opus48, 1],
      ],
      sessionRequests: [8, 5, 16],
      project: 'storefront',
      client: 'claude-cli/2.1.330 (external, sdk-cli)',
      prefixTokens: 9_500,
      thinking: false,
    },
  },
  {
    ref: 'agent',
    name: 'staging-migration-agent',
    description: 'Long-running agent migrating staging services',
    team: 'platform',
    createdDaysAgo: 40,
    budgets: [{ reset: '1w', calendar: false, target: 0.42, elapsed: 0.5 }],
    rateLimit: { token_max_limit: 6_000_000, token_reset_duration: '1h' },
    policy: {},
    captureContent: true,
    profile: {
      kind: 'agent',
      sessionsPerWorkday: [2, 5],
      weekendChance: 0.6,
      hoursUtc: [0, 23],
      models: [[MODELS.opus55, 1]],
      sessionRequests: [35, 15, 60],
      project: 'infrastructure',
      client: 'claude-cli/2.1.330 (external, sdk-ts)',
      prefixTokens: 12_000,
      thinking: true,
    },
  },
  {
    ref: 'contractor',
    name: 'contractor-checkout-redesign',
    description: 'Freelancer on the checkout redesign; expired with the contract',
    team: 'web',
    createdDaysAgo: 48,
    expiredDaysAgo: 6,
    budgets: [{ reset: '1M', calendar: true, target: 0.3 }],
    policy: { allowed_models: ['claude-sonnet-*', 'claude-haiku-*'] },
    captureContent: true,
    profile: developer({
      project: 'storefront',
      sessionsPerWorkday: [1, 3],
      hoursUtc: [14, 23],
      models: [[MODELS.sonnet45, 1]],
    }),
  },
  {
    ref: 'playground',
    name: 'demo-playground',
    description: 'For trying the demo gateway yourself; its value is in the demo-key file',
    team: 'web',
    createdDaysAgo: 0,
    budgets: [{ reset: '1d', calendar: true, target: 0, limitUsd: 5 }],
    policy: {},
    captureContent: true,
    profile: null,
  },
];
