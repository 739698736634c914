/**
 * Runs in every test worker before its tests. A package manager's bin shim
 * sets NODE_PATH to the workspace's own packages; the apps the tests start
 * (a real Express app without node_modules, say) must not find them there,
 * as they would not on a server.
 */
delete process.env['NODE_PATH'];
