import { Migration } from '@mikro-orm/migrations';

/**
 * The PostgreSQL state store: core's application id on executions and
 * backups, lock and breaker keys as long as a path can make them, the lock
 * holder as JSON (pid, hostname, purpose), baselines. Reviewed: an older
 * text holder becomes a JSON string rather than failing the cast.
 */
export class Migration20261206211012 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "baselines" ("app_id" text not null, "name" text not null, "value" jsonb not null, "updated_at" timestamptz not null, constraint "baselines_pkey" primary key ("app_id", "name"));`);

    this.addSql(`alter table "breakers" alter column "key" type text using ("key"::text);`);

    this.addSql(`alter table "locks" alter column "key" type text using ("key"::text);`);
    this.addSql(`alter table "locks" alter column "owner" type jsonb using (to_jsonb("owner"));`);

    this.addSql(`alter table "executions" add column "app_id" text null;`);
    this.addSql(`create index "executions_app_id_index" on "executions" ("app_id");`);
    this.addSql(`create index "executions_started_at_id_index" on "executions" ("started_at", "id");`);

    this.addSql(`alter table "backups" add column "app_id" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "baselines" cascade;`);

    this.addSql(`alter table "backups" drop column "app_id";`);

    this.addSql(`alter table "breakers" alter column "key" type varchar(255) using ("key"::varchar(255));`);

    this.addSql(`drop index "executions_app_id_index";`);
    this.addSql(`drop index "executions_started_at_id_index";`);
    this.addSql(`alter table "executions" drop column "app_id";`);

    this.addSql(`alter table "locks" alter column "key" type varchar(255) using ("key"::varchar(255));`);
    this.addSql(`alter table "locks" alter column "owner" type varchar(255) using (("owner" #>> '{}')::varchar(255));`);
  }

}
