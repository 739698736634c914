import { Migration } from '@mikro-orm/migrations';

/**
 * Heal requests the API queued: what was asked (mode, approval) kept with
 * the execution, so a job Redis lost can be added again from the row.
 */
export class Migration20261207000000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "executions" add column "request" jsonb null;`);
    this.addSql(`create index "executions_application_id_state_index" on "executions" ("application_id", "state");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "executions_application_id_state_index";`);
    this.addSql(`alter table "executions" drop column "request";`);
  }

}
