// Customers, teams and users: the levels above a virtual key. Each is a named row with an optional
// parent (team → customer, user → team); budgets hang off them in BudgetStore.
import { randomUUID } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';

export type OrgLevel = 'customer' | 'team' | 'user';

export interface OrgEntity {
  id: string;
  name: string;
  description: string;
  /** customer_id of a team, team_id of a user; null for customers and unattached entities. */
  parentId: string | null;
  email: string | null;
  createdAt: number;
  updatedAt: number;
}

interface Row {
  id: string;
  name: string;
  description: string;
  parent_id: string | null;
  email: string | null;
  created_at: number;
  updated_at: number;
}

const TABLES: Record<OrgLevel, { table: string; parent: string | null; email: boolean }> = {
  customer: { table: 'customers', parent: null, email: false },
  team: { table: 'teams', parent: 'customer_id', email: false },
  user: { table: 'users', parent: 'team_id', email: true },
};

export const PARENT_LEVEL: Record<OrgLevel, OrgLevel | null> = { customer: null, team: 'customer', user: 'team' };

export interface OrgInput {
  name?: string | undefined;
  description?: string | undefined;
  parentId?: string | null | undefined;
  email?: string | null | undefined;
}

export class OrganisationStore {
  private readonly statements;

  constructor(private readonly db: Db) {
    this.statements = Object.fromEntries(
      (Object.keys(TABLES) as OrgLevel[]).map((level) => {
        const { table, parent, email } = TABLES[level];
        const select = `SELECT id, name, description, ${parent ?? 'NULL'} AS parent_id, ${email ? 'email' : 'NULL'} AS email,
                          created_at, updated_at FROM ${table}`;
        return [
          level,
          {
            get: db.prepare<[string], Row>(`${select} WHERE id = ?`),
            list: db.prepare<[], Row>(`${select} ORDER BY name, id`),
            insert: db.prepare(
              `INSERT INTO ${table} (id, name, description, ${parent ? `${parent}, ` : ''}${email ? 'email, ' : ''}created_at, updated_at)
               VALUES (@id, @name, @description, ${parent ? '@parent_id, ' : ''}${email ? '@email, ' : ''}@now, @now)`,
            ),
            update: db.prepare(
              `UPDATE ${table} SET name = @name, description = @description, ${parent ? `${parent} = @parent_id, ` : ''}
                 ${email ? 'email = @email, ' : ''}updated_at = @now WHERE id = @id`,
            ),
            remove: db.prepare(`DELETE FROM ${table} WHERE id = ?`),
          },
        ];
      }),
    ) as Record<OrgLevel, Record<'get' | 'list' | 'insert' | 'update' | 'remove', Statement<unknown[], Row>>>;
  }

  create(level: OrgLevel, input: OrgInput & { name: string }, now: number): OrgEntity {
    const id = randomUUID();
    this.statements[level].insert.run({
      id,
      name: input.name,
      description: input.description ?? '',
      parent_id: input.parentId ?? null,
      email: input.email ?? null,
      now,
    });
    return this.get(level, id) as OrgEntity;
  }

  get(level: OrgLevel, id: string): OrgEntity | null {
    const row = this.statements[level].get.get(id);
    return row ? toEntity(row) : null;
  }

  all(level: OrgLevel): OrgEntity[] {
    return this.statements[level].list.all().map(toEntity);
  }

  modify(level: OrgLevel, id: string, patch: OrgInput, now: number): OrgEntity | null {
    const current = this.get(level, id);
    if (!current) return null;
    this.statements[level].update.run({
      id,
      name: patch.name ?? current.name,
      description: patch.description ?? current.description,
      parent_id: patch.parentId === undefined ? current.parentId : patch.parentId,
      email: patch.email === undefined ? current.email : patch.email,
      now,
    });
    return this.get(level, id);
  }

  remove(level: OrgLevel, id: string): boolean {
    return this.statements[level].remove.run(id).changes > 0;
  }
}

function toEntity(row: Row): OrgEntity {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    parentId: row.parent_id,
    email: row.email,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
