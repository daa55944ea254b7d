/**
 * The roster import as a kind of background job (server/jobs/kinds.ts lists it): how to run
 * it, and how its answer loses the one-time passwords once they were read.
 */
import type { AccessPolicy } from '../auth/access.ts';
import type { Db } from '../db/client.ts';
import type { JobKind } from '../jobs/kinds.ts';
import { JobsRepository } from '../jobs/repository.ts';
import { RosterRepository } from './repository.ts';
import { ROSTER_JOB, RosterService, withoutPasswords } from './service.ts';

export const rosterImportJob: JobKind = {
  kind: ROSTER_JOB,
  handler: (deps: { db: Db; access: AccessPolicy }) => {
    const service = new RosterService(deps.db, new RosterRepository(deps.db), new JobsRepository(deps.db), deps.access);
    return { kind: ROSTER_JOB, run: (context, actor) => service.runImportJob(context, actor) };
  },
  secrets: { redact: withoutPasswords },
};
