import { Migration } from '@mikro-orm/migrations';

/** Webhooks: where notifications are POSTed, with their sealed signing secret and the events they are sent. */
export class Migration20261206225725 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "webhooks" ("id" uuid not null, "name" varchar(255) not null, "url" text not null, "secret" text not null, "secret_key_id" varchar(255) not null, "events" text[] not null, "enabled" boolean not null default true, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "webhooks_pkey" primary key ("id"));`);
    this.addSql(`alter table "webhooks" add constraint "webhooks_name_unique" unique ("name");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "webhooks" cascade;`);
  }

}
