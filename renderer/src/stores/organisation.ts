// Customers, teams and users: the one home of the organisation, and the tree the page draws from it.
// Edits and deletions are optimistic and roll back with a message; creations wait for the gateway
// (the new entity's id comes from it).
import { create, type StoreApi } from 'zustand';
import type { z } from 'zod';
import type { customerInputSchema, customerSchema, teamInputSchema, teamSchema, userInputSchema, userSchema } from '../../../shared/schemas';
import type { LoadStatus } from './keys';
import { SERVER_OTHER_ID } from './overview';
import { callApi, onSignOut } from './session';
import { toast } from './toasts';

export type Customer = z.infer<typeof customerSchema>;
export type Team = z.infer<typeof teamSchema>;
export type User = z.infer<typeof userSchema>;
export type CustomerInput = z.infer<typeof customerInputSchema>;
export type TeamInput = z.infer<typeof teamInputSchema>;
export type UserInput = z.infer<typeof userInputSchema>;

export type Level = 'customer' | 'team' | 'user';
export type EntityOf<L extends Level> = L extends 'customer' ? Customer : L extends 'team' ? Team : User;
export type InputOf<L extends Level> = L extends 'customer' ? CustomerInput : L extends 'team' ? TeamInput : UserInput;
type Entity = Customer | Team | User;

const COLLECTION = { customer: 'customers', team: 'teams', user: 'users' } as const satisfies Record<Level, string>;
export const LEVEL_LABEL: Record<Level, string> = { customer: 'customer', team: 'team', user: 'user' };

export interface OrganisationData {
  customers: Customer[];
  teams: Team[];
  users: User[];
  status: LoadStatus;
  error: string | null;
  /**
   * This month's spend, USD, per team id and per key id (a user's spend is the sum of their keys').
   * The gateway names only the biggest groups; when it folded others into a remainder, an id missing
   * here is unknown rather than zero, and `complete` says which.
   */
  spend: { byTeam: Record<string, number>; byKey: Record<string, number>; teamsComplete: boolean; keysComplete: boolean } | null;
}

export interface OrganisationActions {
  load: () => Promise<void>;
  loadSpend: () => Promise<void>;
  /** Rejects with the gateway's message so the form can show it. */
  create: <L extends Level>(level: L, input: InputOf<L>) => Promise<EntityOf<L>>;
  /** Optimistic; false (and a toast) after rolling back. */
  update: <L extends Level>(level: L, id: string, patch: Partial<InputOf<L>>) => Promise<boolean>;
  remove: (level: Level, id: string) => Promise<boolean>;
  reset: () => void;
}

export type OrganisationState = OrganisationData & OrganisationActions;

export const initialOrganisationState: OrganisationData = { customers: [], teams: [], users: [], status: 'idle', error: null, spend: null };

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// One switch per transport call keeps every route name literal, so the client stays fully typed.
async function sendCreate(level: Level, body: CustomerInput | TeamInput | UserInput): Promise<Entity> {
  switch (level) {
    case 'customer':
      return (await callApi('createCustomer', { body })).customer;
    case 'team':
      return (await callApi('createTeam', { body })).team;
    case 'user':
      return (await callApi('createUser', { body })).user;
  }
}

async function sendUpdate(level: Level, id: string, body: Partial<CustomerInput | TeamInput | UserInput>): Promise<Entity> {
  switch (level) {
    case 'customer':
      return (await callApi('updateCustomer', { params: { id }, body })).customer;
    case 'team':
      return (await callApi('updateTeam', { params: { id }, body })).team;
    case 'user':
      return (await callApi('updateUser', { params: { id }, body })).user;
  }
}

async function sendDelete(level: Level, id: string): Promise<void> {
  switch (level) {
    case 'customer':
      await callApi('deleteCustomer', { params: { id } });
      return;
    case 'team':
      await callApi('deleteTeam', { params: { id } });
      return;
    case 'user':
      await callApi('deleteUser', { params: { id } });
      return;
  }
}

/** Fields of an edit that read the same on the entity, applied before the gateway answers. */
function applyPatch<E extends Entity>(entity: E, patch: Partial<CustomerInput | TeamInput | UserInput>): E {
  const next = { ...entity };
  if (patch.name !== undefined) next.name = patch.name;
  if (patch.description !== undefined) next.description = patch.description;
  if ('customer_id' in patch && 'customer_id' in next && patch.customer_id !== undefined) next.customer_id = patch.customer_id;
  if ('team_id' in patch && 'team_id' in next && patch.team_id !== undefined) next.team_id = patch.team_id;
  if ('email' in patch && 'email' in next && patch.email !== undefined) next.email = patch.email;
  return next;
}

function createOrganisationActions(set: StoreApi<OrganisationState>['setState'], get: StoreApi<OrganisationState>['getState']): OrganisationActions {
  const list = (level: Level): Entity[] => get()[COLLECTION[level]];
  const put = (level: Level, entities: Entity[]) => set({ [COLLECTION[level]]: entities } as Partial<OrganisationData>);

  return {
    load: async () => {
      const { customers, teams, users } = get();
      set({ status: customers.length + teams.length + users.length ? 'ready' : 'loading', error: null });
      try {
        const [c, t, u] = await Promise.all([callApi('listCustomers'), callApi('listTeams'), callApi('listUsers')]);
        set({ customers: c.customers, teams: t.teams, users: u.users, status: 'ready' });
      } catch (error) {
        set({ status: 'error', error: describe(error) });
      }
    },

    loadSpend: async () => {
      const now = new Date();
      const start = new Date(now.getFullYear(), now.getMonth(), 1).getTime();
      const totals = (series: { groups: { id: string; total: number }[] }) =>
        Object.fromEntries(series.groups.filter((group) => group.id !== SERVER_OTHER_ID).map((group) => [group.id, group.total]));
      const complete = (series: { groups: { id: string }[] }) => !series.groups.some((group) => group.id === SERVER_OTHER_ID);
      try {
        const [teams, keys] = await Promise.all([
          callApi('getSpendSeries', { query: { group: 'team', bucket: 'day', start } }),
          callApi('getSpendSeries', { query: { group: 'key', bucket: 'day', start } }),
        ]);
        set({ spend: { byTeam: totals(teams), byKey: totals(keys), teamsComplete: complete(teams), keysComplete: complete(keys) } });
      } catch {
        // Spend is a nicety on this page; the tree still works without it.
        set({ spend: null });
      }
    },

    create: async <L extends Level>(level: L, input: InputOf<L>) => {
      const created = await sendCreate(level, input);
      put(level, [...list(level), created]);
      toast.success(`Created ${LEVEL_LABEL[level]} “${created.name}”.`);
      return created as EntityOf<L>;
    },

    update: async (level, id, patch) => {
      const before = list(level).find((entity) => entity.id === id);
      if (!before) return false;
      put(level, list(level).map((entity) => (entity.id === id ? applyPatch(entity, patch) : entity)));
      try {
        const saved = await sendUpdate(level, id, patch);
        put(level, list(level).map((entity) => (entity.id === id ? saved : entity)));
        return true;
      } catch (error) {
        put(level, list(level).map((entity) => (entity.id === id ? before : entity)));
        toast.error(`Could not save ${LEVEL_LABEL[level]} “${before.name}”: ${describe(error)} The change was undone.`);
        return false;
      }
    },

    remove: async (level, id) => {
      const before = list(level);
      const entity = before.find((item) => item.id === id);
      if (!entity) return false;
      put(level, before.filter((item) => item.id !== id));
      try {
        await sendDelete(level, id);
        toast.success(`Deleted ${LEVEL_LABEL[level]} “${entity.name}”.`);
        // Children now point at nothing on the server too; reload so the tree shows where they went.
        if (level !== 'user') void get().load();
        return true;
      } catch (error) {
        const index = before.indexOf(entity);
        const now = list(level);
        put(level, now.some((item) => item.id === id) ? now : [...now.slice(0, index), entity, ...now.slice(index)]);
        toast.error(`Could not delete ${LEVEL_LABEL[level]} “${entity.name}”: ${describe(error)}`);
        return false;
      }
    },

    reset: () => set(initialOrganisationState),
  };
}

export const useOrganisation = create<OrganisationState>()((set, get) => ({ ...initialOrganisationState, ...createOrganisationActions(set, get) }));
onSignOut(() => useOrganisation.getState().reset());

export interface TeamNode {
  team: Team | null;
  users: User[];
}
export interface CustomerNode {
  customer: Customer | null;
  teams: TeamNode[];
}

const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);

/** customers > teams > users; teams without a customer and users without a team collect under null nodes at the end. */
export function buildTree(state: Pick<OrganisationData, 'customers' | 'teams' | 'users'>): CustomerNode[] {
  const customerIds = new Set(state.customers.map((customer) => customer.id));
  const teamIds = new Set(state.teams.map((team) => team.id));
  const usersOf = (teamId: string | null) =>
    state.users.filter((user) => (teamId === null ? user.team_id === null || !teamIds.has(user.team_id) : user.team_id === teamId)).sort(byName);
  const teamsOf = (customerId: string | null): TeamNode[] =>
    state.teams
      .filter((team) => (customerId === null ? team.customer_id === null || !customerIds.has(team.customer_id) : team.customer_id === customerId))
      .sort(byName)
      .map((team) => ({ team, users: usersOf(team.id) }));

  const nodes: CustomerNode[] = [...state.customers].sort(byName).map((customer) => ({ customer, teams: teamsOf(customer.id) }));
  const looseTeams = teamsOf(null);
  const looseUsers = usersOf(null);
  if (looseUsers.length) looseTeams.push({ team: null, users: looseUsers });
  if (looseTeams.length) nodes.push({ customer: null, teams: looseTeams });
  return nodes;
}

type Spend = NonNullable<OrganisationData['spend']>;

/** A team's spend this month, or null when it is unknown (not loaded, or folded into the gateway's remainder). */
export function teamSpend(spend: Spend | null, teamId: string): number | null {
  if (!spend) return null;
  return spend.byTeam[teamId] ?? (spend.teamsComplete ? 0 : null);
}

/** The sum of some keys' spend this month, or null when any of them is unknown. */
export function keysSpend(spend: Spend | null, keyIds: readonly string[]): number | null {
  if (!spend) return null;
  let total = 0;
  for (const id of keyIds) {
    const value = spend.byKey[id] ?? (spend.keysComplete ? 0 : null);
    if (value === null) return null;
    total += value;
  }
  return total;
}

let treeCache: { key: OrganisationData | null; tree: CustomerNode[] } = { key: null, tree: [] };

export const organisationSelectors = {
  /** Memoised on the store's state object so components can select it without re-rendering forever. */
  tree: (state: OrganisationData): CustomerNode[] => {
    if (treeCache.key?.customers !== state.customers || treeCache.key.teams !== state.teams || treeCache.key.users !== state.users) {
      treeCache = { key: state, tree: buildTree(state) };
    }
    return treeCache.tree;
  },
  teamName: (id: string | null) => (state: OrganisationData) => (id ? state.teams.find((team) => team.id === id)?.name ?? null : null),
  userName: (id: string | null) => (state: OrganisationData) => (id ? state.users.find((user) => user.id === id)?.name ?? null : null),
  isEmpty: (state: OrganisationData) => state.customers.length + state.teams.length + state.users.length === 0,
};
