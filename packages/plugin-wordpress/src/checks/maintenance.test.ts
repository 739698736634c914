import { describe, expect, it } from 'vitest';
import { parseMaintenanceFile } from './maintenance.js';

describe('parseMaintenanceFile', () => {
  it('reads the timestamp WordPress writes', () => {
    expect(parseMaintenanceFile('<?php $upgrading = 1700000000; ?>')).toEqual({ upgrading: 1700000000, dynamic: false });
    expect(parseMaintenanceFile("<?php\n$upgrading=1700000001;\n")).toEqual({ upgrading: 1700000001, dynamic: false });
  });

  it('recognizes a file that is always fresh', () => {
    expect(parseMaintenanceFile('<?php $upgrading = time(); ?>')).toEqual({ upgrading: null, dynamic: true });
  });

  it('finds no timestamp in anything else', () => {
    expect(parseMaintenanceFile('')).toEqual({ upgrading: null, dynamic: false });
    expect(parseMaintenanceFile('<?php $upgrading = get_option("x"); ?>')).toEqual({ upgrading: null, dynamic: false });
  });
});
