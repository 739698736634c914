/** What the server's middleware adds to each request. */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Role } from '../db/entities.js';

/** The caller, from its bearer token. */
export interface Actor {
  tokenId: string;
  name: string;
  role: Role;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by the request-id middleware: the caller's sane `X-Request-Id`, or a new one. */
      requestId: string;
      /** Set by `authenticate`. */
      actor?: Actor;
      /** A fork of the ORM's entity manager, for this request only. */
      em: EntityManager;
    }
  }
}
