import { Migration } from '@mikro-orm/migrations';

export class Migration20261206193938 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "api_tokens" ("id" uuid not null, "name" varchar(255) not null, "role" text check ("role" in ('admin', 'engineer', 'viewer')) not null, "hash" varchar(255) not null, "last_used_at" timestamptz null, "created_at" timestamptz not null, "revoked_at" timestamptz null, constraint "api_tokens_pkey" primary key ("id"));`);
    this.addSql(`alter table "api_tokens" add constraint "api_tokens_hash_unique" unique ("hash");`);

    this.addSql(`create table "audit_events" ("id" bigserial primary key, "actor_token_id" uuid null, "actor_name" varchar(255) not null, "action" varchar(255) not null, "target" varchar(255) null, "request_id" varchar(255) null, "details" jsonb not null default '{}', "at" timestamptz not null);`);
    this.addSql(`create index "audit_events_at_index" on "audit_events" ("at");`);

    this.addSql(`create table "breakers" ("key" varchar(255) not null, "record" jsonb not null, "updated_at" timestamptz not null, constraint "breakers_pkey" primary key ("key"));`);

    this.addSql(`create table "locks" ("key" varchar(255) not null, "token" bigint not null, "owner" varchar(255) null, "expires_at" timestamptz null, constraint "locks_pkey" primary key ("key"));`);

    this.addSql(`create table "plugin_settings" ("name" varchar(255) not null, "enabled" boolean not null default true, "config" jsonb not null default '{}', "updated_at" timestamptz not null, constraint "plugin_settings_pkey" primary key ("name"));`);

    this.addSql(`create table "servers" ("id" uuid not null, "name" varchar(255) not null, "host" varchar(255) not null, "port" int not null default 22, "user" varchar(255) not null, "auth_kind" text check ("auth_kind" in ('password', 'key', 'agent')) not null, "secret" text null, "secret_key_id" varchar(255) null, "host_key_fingerprint" varchar(255) null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "servers_pkey" primary key ("id"));`);
    this.addSql(`alter table "servers" add constraint "servers_name_unique" unique ("name");`);

    this.addSql(`create table "applications" ("id" uuid not null, "server_id" uuid not null, "path" text not null, "stack" varchar(255) not null, "version" varchar(255) null, "confidence" double precision null, "health_status" text check ("health_status" in ('unknown', 'healthy', 'degraded', 'unhealthy')) not null default 'unknown', "health_score" int null, "last_check_at" timestamptz null, "mode" text check ("mode" in ('manual', 'supervised', 'auto')) not null default 'manual', "enabled" boolean not null default true, "settings" jsonb not null default '{}', "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "applications_pkey" primary key ("id"));`);
    this.addSql(`create index "applications_stack_index" on "applications" ("stack");`);
    this.addSql(`create index "applications_health_status_index" on "applications" ("health_status");`);
    this.addSql(`alter table "applications" add constraint "applications_server_id_path_unique" unique ("server_id", "path");`);

    this.addSql(`create table "executions" ("id" varchar(255) not null, "application_id" uuid null, "kind" varchar(255) not null, "state" varchar(255) not null, "mode" varchar(255) null, "plan_hash" varchar(255) null, "started_at" timestamptz not null, "finished_at" timestamptz null, "record" jsonb null, constraint "executions_pkey" primary key ("id"));`);
    this.addSql(`create index "executions_state_index" on "executions" ("state");`);

    this.addSql(`create table "diagnostic_runs" ("id" uuid not null, "application_id" uuid not null, "status" varchar(255) not null, "score" int null, "started_at" timestamptz not null, "finished_at" timestamptz null, "summary" jsonb null, constraint "diagnostic_runs_pkey" primary key ("id"));`);

    this.addSql(`create table "check_results" ("id" bigserial primary key, "run_id" uuid not null, "check_id" varchar(255) not null, "status" varchar(255) not null, "severity" varchar(255) null, "category" varchar(255) null, "message" text not null, "details" jsonb null, "duration_ms" int null);`);
    this.addSql(`alter table "check_results" add constraint "check_results_run_id_check_id_unique" unique ("run_id", "check_id");`);

    this.addSql(`create table "backups" ("id" varchar(255) not null, "execution_id" varchar(255) null, "application_id" uuid null, "action_id" varchar(255) null, "location" text not null, "manifest" jsonb not null, "created_at" timestamptz not null, "expires_at" timestamptz null, "pruned_at" timestamptz null, constraint "backups_pkey" primary key ("id"));`);

    this.addSql(`create table "timeline_events" ("id" bigserial primary key, "execution_id" varchar(255) not null, "seq" int not null, "type" varchar(255) not null, "at" timestamptz not null, "data" jsonb not null);`);
    this.addSql(`alter table "timeline_events" add constraint "timeline_events_execution_id_seq_unique" unique ("execution_id", "seq");`);

    this.addSql(`alter table "applications" add constraint "applications_server_id_foreign" foreign key ("server_id") references "servers" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "executions" add constraint "executions_application_id_foreign" foreign key ("application_id") references "applications" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "diagnostic_runs" add constraint "diagnostic_runs_application_id_foreign" foreign key ("application_id") references "applications" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "check_results" add constraint "check_results_run_id_foreign" foreign key ("run_id") references "diagnostic_runs" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "backups" add constraint "backups_execution_id_foreign" foreign key ("execution_id") references "executions" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "backups" add constraint "backups_application_id_foreign" foreign key ("application_id") references "applications" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "timeline_events" add constraint "timeline_events_execution_id_foreign" foreign key ("execution_id") references "executions" ("id") on update cascade on delete cascade;`);
  }

}
