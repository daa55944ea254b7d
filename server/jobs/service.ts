/**
 * Reading a background job: its state and progress for the administrator who started it or an
 * administrator of its organization, and, once done, its answer. An answer with secrets (the
 * one-time passwords of a roster import) goes to the job's actor only, and only once: the first
 * read takes them out of the stored row (JobsRepository.takeResult).
 */
import type { AccessPolicy, SessionUser } from '../auth/access.ts';
import { forbidden } from '../http/errors.ts';
import { jobKinds, type JobKind } from './kinds.ts';
import type { JobsRepository, BackgroundJobRow } from './repository.ts';
import type { BackgroundJob, JobResult, SecretsState } from './schemas.ts';

export class JobsService {
  private readonly kinds: Map<string, JobKind>;

  constructor(
    private readonly repo: JobsRepository,
    private readonly access: AccessPolicy,
  ) {
    this.kinds = new Map(jobKinds().map((k) => [k.kind, k]));
  }

  /** 403 for an unknown job and for anyone but an administrator of the job's organization or above. */
  async get(user: SessionUser, jobId: string): Promise<BackgroundJob> {
    const found = await this.repo.find(jobId);
    // The actor must still administer the organization: a withdrawn role also withdraws the passwords.
    if (!found || !(await this.access.hasRole(user, found.organizationId, 'admin'))) throw forbidden('You did not start this job and do not administer its organization');
    const secrets = this.kinds.get(found.kind)?.secrets;
    if (!secrets || found.status !== 'done') return view(found, found.result, undefined);
    const isActor = found.actorId === user.id;
    if (!isActor) return view(found, found.resultReadAt ? found.result : secrets.redact(found.result, 'taken'), found.resultReadAt ? stateOf(found.result) : 'actor_only');
    const taken = await this.repo.takeResult(jobId, (result) => secrets.redact(result, 'taken'));
    if (!taken) throw forbidden('You did not start this job and do not administer its organization');
    return taken.first ? view(taken.job, taken.job.result, 'included') : view(taken.job, taken.job.result, stateOf(taken.job.result));
  }
}

function stateOf(result: unknown): SecretsState {
  return (result as { passwords?: string } | null)?.passwords === 'expired' ? 'expired' : 'taken';
}

function view(job: BackgroundJobRow, result: unknown, passwords: SecretsState | undefined): BackgroundJob {
  const own: JobResult & { passwords?: unknown } = job.status === 'done' || job.status === 'failed' ? ((result ?? {}) as JobResult) : {};
  const { passwords: _stored, ...answer } = own;
  return {
    ...answer,
    id: job.id,
    kind: job.kind,
    organizationId: job.organizationId,
    status: job.status,
    progress: job.status === 'done' ? job.total : job.progress,
    total: job.total,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
    ...(job.status === 'failed' ? { error: { code: job.errorCode ?? 'job_error', message: job.errorReason ?? 'The job failed.' } } : {}),
    ...(passwords ? { passwords } : {}),
  };
}

