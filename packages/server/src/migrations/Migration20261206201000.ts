import { Migration } from '@mikro-orm/migrations';

/**
 * Written by hand (the migrator does not generate triggers): timeline events
 * and audit events are append-only. Rows may be inserted, and deleted with
 * their execution or by retention, never changed.
 */
export class Migration20261206201000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create function healer_refuse_update() returns trigger language plpgsql as $$ begin raise exception '% is append-only', TG_TABLE_NAME using errcode = 'restrict_violation'; end $$;`);
    this.addSql(`create trigger timeline_events_append_only before update on "timeline_events" for each row execute function healer_refuse_update();`);
    this.addSql(`create trigger audit_events_append_only before update on "audit_events" for each row execute function healer_refuse_update();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists audit_events_append_only on "audit_events";`);
    this.addSql(`drop trigger if exists timeline_events_append_only on "timeline_events";`);
    this.addSql(`drop function if exists healer_refuse_update();`);
  }

}
