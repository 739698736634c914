import { describe, expect, it } from 'vitest';
import { createColors } from './color.js';
import { displayWidth, formatTable, truncate } from './table.js';

describe('formatTable', () => {
  it('pads every column to its widest cell and leaves the last column unpadded', () => {
    const lines = formatTable(
      [
        ['pass', 'core/disk-space', 'Disk 12% used.'],
        ['fail', 'testapp/status-ok', 'Status is "broken".'],
      ],
      { headers: ['STATUS', 'CHECK', 'MESSAGE'] },
    );
    expect(lines).toEqual([
      'STATUS  CHECK              MESSAGE',
      'pass    core/disk-space    Disk 12% used.',
      'fail    testapp/status-ok  Status is "broken".',
    ]);
  });

  it('right-aligns numeric columns', () => {
    const lines = formatTable(
      [
        ['a', '5'],
        ['bb', '120'],
      ],
      { align: ['left', 'right'] },
    );
    expect(lines).toEqual(['a     5', 'bb  120']);
  });

  it('measures coloured cells by what the terminal shows', () => {
    const c = createColors(true);
    const lines = formatTable([
      [c.red('fail'), 'x'],
      ['warning', 'y'],
    ]);
    expect(lines[0]).toBe(`${c.red('fail')}     x`);
    expect(displayWidth(lines[0]!)).toBe(displayWidth(lines[1]!));
  });

  it('counts wide characters as two columns', () => {
    expect(displayWidth('日本')).toBe(4);
    const lines = formatTable([
      ['日本', '1'],
      ['abcd', '2'],
    ]);
    expect(lines).toEqual(['日本  1', 'abcd  2']);
  });

  it('cuts long cells with an ellipsis and flattens newlines', () => {
    const lines = formatTable([['abcdefghij', 'one\ntwo']], { maxWidth: [5] });
    expect(lines).toEqual(['abcd…  one two']);
    expect(truncate('short', 10)).toBe('short');
  });

  it('fills missing cells and indents', () => {
    expect(formatTable([['a', 'b'], ['c']], { indent: '  ' })).toEqual(['  a  b', '  c']);
    expect(formatTable([])).toEqual([]);
  });
});
