import { describe, expect, it } from 'vitest';
import { parseOutputMode } from './next-config.js';

describe('parseOutputMode', () => {
  it('finds standalone and export in the usual spellings', () => {
    expect(parseOutputMode("module.exports = { output: 'standalone' };")).toBe('standalone');
    expect(parseOutputMode('const nextConfig = {\n  reactStrictMode: true,\n  output: "standalone",\n};\nexport default nextConfig;')).toBe('standalone');
    expect(parseOutputMode('export default { "output": `export` }')).toBe('export');
  });

  it('ignores comments and other keys', () => {
    expect(parseOutputMode("module.exports = {\n  // output: 'standalone',\n  reactStrictMode: true };")).toBe('default');
    expect(parseOutputMode("/* output: 'standalone' */ module.exports = {}")).toBe('default');
    expect(parseOutputMode("module.exports = { distOutput: 'standalone', url: 'http://x//y' }")).toBe('default');
    expect(parseOutputMode('')).toBe('default');
  });
});
