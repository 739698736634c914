import { describe, expect, it } from 'vitest';
import { checkSetting, setGlobalSql, suggestedSettings } from './globals.js';
import { setGlobalOp, killQueryOp, repairTableOp } from './operations.js';
import { tablesFromResults } from './table-names.js';

describe('SET GLOBAL', () => {
  it('sets only the variables the checks suggest, to a number or ON/OFF', () => {
    expect(setGlobalSql('thread_cache_size', '16')).toBe('SET GLOBAL thread_cache_size = 16');
    expect(setGlobalSql('slow_query_log', 'ON')).toBe('SET GLOBAL slow_query_log = ON');
    expect(() => checkSetting('init_connect', '1')).toThrow(/not a variable/);
    expect(() => checkSetting('max_connections', '1; DROP TABLE x')).toThrow(/not a value/);
    expect(setGlobalOp.args.safeParse({ variable: 'general_log_file', value: '1', was: '0' }).success).toBe(false);
  });

  it('takes the dynamic suggestions of verifiable findings, the first per variable, sorted', () => {
    const results = [
      { id: 'mysql/connections-used', details: { verifiable: true, suggested: [{ variable: 'tmp_table_size', value: '33554432', dynamic: true }, { variable: 'max_heap_table_size', value: '33554432', dynamic: true }] } },
      { id: 'mysql/open-files', details: { verifiable: true, suggested: [{ variable: 'open_files_limit', value: '5000', dynamic: false }] } },
      { id: 'mysql/tmp-disk-tables', details: { verifiable: false, suggested: [{ variable: 'thread_cache_size', value: '16', dynamic: true }] } },
      { id: 'mysql/other', details: { verifiable: true, suggested: [{ variable: 'tmp_table_size', value: '1', dynamic: true }, { variable: 'sql_mode', value: 'ON', dynamic: true }, 'junk'] } },
    ];
    expect(suggestedSettings(results)).toEqual([
      { variable: 'max_heap_table_size', value: '33554432', check: 'mysql/connections-used' },
      { variable: 'tmp_table_size', value: '33554432', check: 'mysql/connections-used' },
    ]);
  });
});

describe('operation arguments', () => {
  it('refuse table names that could be anything else, and virtual schemas', () => {
    expect(repairTableOp.args.safeParse({ table: 'shop.orders' }).success).toBe(true);
    expect(repairTableOp.args.safeParse({ table: 'shop.or`ders' }).success).toBe(false);
    expect(repairTableOp.args.safeParse({ table: 'orders' }).success).toBe(false);
    expect(repairTableOp.args.safeParse({ table: 'performance_schema.threads' }).success).toBe(false);
    expect(killQueryOp.args.safeParse({ id: 0, user: 'x', query: '0123456789abcdef' }).success).toBe(false);
  });

  it('read the tables the checks name, whether strings or objects', () => {
    const results = [
      { id: 'mysql/crashed-tables', details: { tables: ['shop.orders', 'bad`name.x', 42] } },
      { id: 'mysql/fragmentation', details: { tables: [{ table: 'shop.log', freeBytes: 1 }] } },
    ];
    expect(tablesFromResults(results)).toEqual(['shop.log', 'shop.orders']);
    expect(tablesFromResults(results, 'mysql/crashed-tables')).toEqual(['shop.orders']);
  });
});
