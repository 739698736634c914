/**
 * The MySQL plugin's configuration (validated by core before use). Every
 * threshold defaults to MySQLTuner's, the floor below which nothing is said.
 */
import { z } from 'zod';

/** How to reach one server and as whom; every field optional (detection fills in the rest). */
export const serverEntrySchema = z.object({
  /** The server's data directory: the app root this entry applies to. */
  dataDir: z.string().startsWith('/'),
  /** Account name. With `password`, the first credentials tried. */
  user: z.string().min(1).optional(),
  /** Never logged: registered as a secret. */
  password: z.string().optional(),
  /** TCP host; absent: the socket found in the server's option files. */
  host: z.string().min(1).optional(),
  port: z.int().min(1).max(65_535).optional(),
  socket: z.string().startsWith('/').optional(),
  /** The server's option file (`my.cnf`), when it is not where detection looks. */
  optionFile: z.string().startsWith('/').optional(),
});

export type ServerEntry = z.output<typeof serverEntrySchema>;

export const mysqlConfigSchema = z.object({
  /** Named servers (`healer diagnose <name>` in a front end that resolves names): connection and credentials per data directory. */
  servers: z.record(z.string().min(1), serverEntrySchema).default({}),
  /** A query running longer than this many seconds is reported. Default 300. */
  longQuerySeconds: z.int().positive().default(300),
  /** A replica this many seconds behind is reported. Default 300. */
  replicationLagSeconds: z.int().positive().default(300),
  /** A table larger than this (data, indexes and free space) with more than 10% of it free is fragmented. Default 100 MiB. */
  fragmentationMinTableBytes: z.int().min(0).default(100 * 1024 ** 2),
  /** OPTIMIZE TABLE of a table larger than this runs only as `mysql/optimize-large-table` (high: approved). Default 1 GiB. */
  optimizeMaxBytes: z.int().positive().default(1024 ** 3),
  /** At most this many MyISAM/Aria tables get a CHECK TABLE per diagnosis. Default 200. */
  checkTablesLimit: z.int().min(0).default(200),
  /** Error-log lines read from the end for crash and corruption messages. Default 2000. */
  errorLogLines: z.int().min(0).default(2000),
  /** The data directory's filesystem above this use is a problem (percent). Default 90. */
  diskUsedPercent: z.number().min(1).max(100).default(90),
  /**
   * How `mysql/restart-server` restarts the server, as argv (e.g.
   * `["systemctl", "restart", "mariadb"]`). Default: the systemd unit
   * (`mariadb` or `mysql`) when systemd runs the server.
   */
  restartCommand: z.array(z.string().min(1)).min(1).optional(),
});

export type MysqlConfig = z.output<typeof mysqlConfigSchema>;
export type MysqlConfigInput = z.input<typeof mysqlConfigSchema>;
