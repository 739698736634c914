/**
 * `/backups`: the index of backups taken before changes, newest first, by
 * application or execution. Only names and sizes leave the server: the
 * manifest's hashes, modes, link targets and plugin data stay in the
 * database, and no content is ever read.
 */
import type { FilterQuery } from '@mikro-orm/core';
import type { z } from 'zod';
import { BackupListQuerySchema, BackupPageSchema, type BackupSchema, pageBody, pageWindow } from '../api/schemas.js';
import { BackupEntity, type Backup } from '../db/entities.js';
import { defineRoute } from '../http/route.js';
import { applicationsByCoreId, findApplicationWithCoreId } from '../state/core-ids.js';

type BackupView = z.input<typeof BackupSchema>;

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const record = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});

/** A backup row as the API shows it. The manifest is core's JSON, read field by field (nothing is passed through whole). */
export function toBackupView(b: Backup, applicationId: string | null): BackupView {
  const m = b.manifest;
  const files = list(m['files']).map(record);
  return {
    id: b.id,
    applicationId: b.application?.id ?? applicationId,
    appId: b.appId ?? null,
    executionId: b.execution?.id ?? text(m['executionId']),
    actionId: b.actionId ?? null,
    host: text(m['host']),
    appRoot: text(m['appRoot']),
    location: b.location,
    roots: list(m['roots']).filter((r): r is string => typeof r === 'string'),
    fileCount: files.filter((f) => f['type'] === 'file').length,
    totalBytes: files.reduce((sum, f) => sum + (f['type'] === 'file' && typeof f['size'] === 'number' ? f['size'] : 0), 0),
    parts: list(m['parts']).map((raw) => {
      const part = record(raw);
      return { name: text(part['name']) ?? '', plugin: text(part['plugin']) ?? '', fileCount: list(part['files']).length };
    }),
    verified: m['left'] !== undefined && m['left'] !== null,
    createdAt: b.createdAt.toISOString(),
    expiresAt: b.expiresAt?.toISOString() ?? null,
    prunedAt: b.prunedAt?.toISOString() ?? null,
  };
}

export function backupRoutes() {
  return [
    defineRoute({
      method: 'get',
      path: '/backups',
      tag: 'backups',
      summary: 'List backups, newest first, by application or execution, one page at a time',
      permission: 'healer.read',
      request: { query: BackupListQuerySchema },
      responses: { 200: { description: 'A page of backups', schema: BackupPageSchema } },
      async handle({ req, query }) {
        // The store indexes backups by core's ids; the foreign keys are set only where a row was there to link to.
        const filters: FilterQuery<Backup>[] = [];
        if (query.application !== undefined) {
          const found = await findApplicationWithCoreId(req.em, query.application);
          filters.push(found === null ? { application: query.application } : { $or: [{ application: query.application }, { appId: found.appId }] });
        }
        if (query.execution !== undefined) filters.push({ $or: [{ execution: query.execution }, { manifest: { executionId: query.execution } }] });
        const where: FilterQuery<Backup> = filters.length === 0 ? {} : { $and: filters };
        // The id breaks ties so that pages never overlap.
        const [rows, total] = await req.em.findAndCount(BackupEntity, where, { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], ...pageWindow(query) });
        const applications = await applicationsByCoreId(
          req.em,
          rows.filter((b) => b.application === null || b.application === undefined).flatMap((b) => (b.appId ? [b.appId] : [])),
        );
        return { body: pageBody(query, [rows, total], (b) => toBackupView(b, b.appId ? (applications.get(b.appId) ?? null) : null)) };
      },
    }),
  ];
}
