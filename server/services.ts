/**
 * The composition root of the request-serving code: every repository and service of the API is
 * built here, once, and handed to the routes as `app.services` (server/app.ts). A repository is
 * built once and shared by every service that reads it; a service that others need (access,
 * auth, catalog, organizations, requirements, teach, playback, classes) is built once and passed
 * in. Routes only read `app.services.<name>`; they never build a service or a repository.
 *
 * Workers, the transcoder, background job handlers and scripts build their own (they run outside
 * a request, some in another process).
 */
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.ts';
import type { Db } from './db/client.ts';
import { sqlRunner } from './db/runner.ts';
import type { Storage } from './storage/types.ts';
import { AuditRepository } from './audit/repository.ts';
import { AuditLog } from './audit/service.ts';
import { AccessPolicy } from './auth/access.ts';
import { AuthRepository } from './auth/repository.ts';
import { AuthService } from './auth/service.ts';
import { BulletinRepository } from './bulletin/repository.ts';
import { BulletinService } from './bulletin/service.ts';
import { CatalogRepository } from './catalog/repository.ts';
import { CatalogService } from './catalog/service.ts';
import { CertificatesRepository } from './certificates/repository.ts';
import { CertificatesService } from './certificates/service.ts';
import { ClassesRepository } from './classes/repository.ts';
import { ClassesService } from './classes/service.ts';
import { CreditsRepository } from './credits/repository.ts';
import { CreditsService } from './credits/service.ts';
import { EvidenceRepository } from './evidence/repository.ts';
import { EvidenceService } from './evidence/service.ts';
import { GroupsRepository } from './groups/repository.ts';
import { GroupsService } from './groups/service.ts';
import { HandoutsRepository } from './handouts/repository.ts';
import { HandoutsService } from './handouts/service.ts';
import { InPersonRepository } from './inperson/repository.ts';
import { InPersonService } from './inperson/service.ts';
import { JobsRepository } from './jobs/repository.ts';
import { JobsService } from './jobs/service.ts';
import { LearningRepository } from './learning/repository.ts';
import { LearningService } from './learning/service.ts';
import { LrsRepository } from './lrs/repository.ts';
import { LrsService } from './lrs/service.ts';
import { MediaService } from './media/service.ts';
import { IssuerRepository } from './organizations/issuer-repository.ts';
import { IssuerService } from './organizations/issuer-service.ts';
import { OrganizationsRepository } from './organizations/repository.ts';
import { OrganizationsService } from './organizations/service.ts';
import { PairingReportService } from './pairing/report.ts';
import { PairingRepository } from './pairing/repository.ts';
import { PairingService } from './pairing/service.ts';
import { PlansRepository } from './plans/repository.ts';
import { PlansService } from './plans/service.ts';
import { PlaybackRepository } from './playback/repository.ts';
import { PlaybackService } from './playback/service.ts';
import { ReportsRepository } from './reports/repository.ts';
import { ReportsService } from './reports/service.ts';
import { RequirementsRepository } from './requirements/repository.ts';
import { RequirementsService } from './requirements/service.ts';
import { RosterRepository } from './roster/repository.ts';
import { RosterService } from './roster/service.ts';
import { StaffRepository } from './staff/repository.ts';
import { StaffService } from './staff/service.ts';
import { SubtitlesRepository } from './subtitles/repository.ts';
import { SubtitlesService } from './subtitles/service.ts';
import { TeachRepository } from './teach/repository.ts';
import { TeachService } from './teach/service.ts';
import { TranscodeJobsRepository } from './transcoding/repository.ts';
import { TranscodeRetryService } from './transcoding/retry.ts';
import { TranscodingService } from './transcoding/service.ts';
import { UploadReservationsRepository } from './uploads/repository.ts';
import { UploadsService, uploadLimits } from './uploads/service.ts';
import type { UploadStaging } from './uploads/staged.ts';
import { openUploadStaging } from './uploads/staging.ts';
import { UsersRepository } from './users/repository.ts';
import { UsersService } from './users/service.ts';

/** What the services are built over: the app's infrastructure (a subset of `AppDeps`). */
export interface ServiceDeps {
  config: Config;
  db: Db;
  storage: Storage;
}

/** Every service of the API, one field each; `app.services` in the routes. */
export interface Services {
  /** who may do what where (server/auth/access.ts); every service that checks a role shares it */
  access: AccessPolicy;
  /** sessions, login and the login limit; `app.authenticate` and the group join use it */
  auth: AuthService;
  audit: AuditLog;
  organizations: OrganizationsService;
  /** the issuing association of certificates: signer and seal */
  issuers: IssuerService;
  staff: StaffService;
  users: UsersService;
  roster: RosterService;
  jobs: JobsService;
  requirements: RequirementsService;
  plans: PlansService;
  reports: ReportsService;
  /** the catalog, its search matching transcripts too */
  catalog: CatalogService;
  /** the learner's own state beside the catalog answers */
  learning: LearningService;
  /** course and lecture editing: its trainer check decides subtitle and handout changes too */
  teach: TeachService;
  handouts: HandoutsService;
  subtitles: SubtitlesService;
  /** signed media delivery and S3's shared playlists */
  media: MediaService;
  /** ONE per app: the playback routes and `groups` share it (one memory of sessions per process) */
  playback: PlaybackService;
  /** group watching (集体观看), over `playback` */
  groups: GroupsService;
  uploads: UploadsService;
  /** where tus uploads wait until complete (the bucket on S3, DATA_DIR/uploads otherwise) */
  uploadStaging: UploadStaging;
  transcoding: TranscodingService;
  transcodeRetry: TranscodeRetryService;
  credits: CreditsService;
  certificates: CertificatesService;
  evidence: EvidenceService;
  inPerson: InPersonService;
  pairing: PairingService;
  pairingReport: PairingReportService;
  classes: ClassesService;
  bulletin: BulletinService;
  lrs: LrsService;
}

/** Builds every repository and service once. `log` is the app's logger (handouts log through it). */
export function createServices(deps: ServiceDeps, log: FastifyBaseLogger): Services {
  const { config, db, storage } = deps;

  // Repositories, each built once and shared by the services that read it.
  const organizationsRepository = new OrganizationsRepository(db);
  const catalogRepository = new CatalogRepository(db);
  const reportsRepository = new ReportsRepository(db);
  const learningRepository = new LearningRepository(db);
  const subtitlesRepository = new SubtitlesRepository(db);
  const handoutsRepository = new HandoutsRepository(db);
  const inPersonRepository = new InPersonRepository(db);
  const groupsRepository = new GroupsRepository(db);
  const pairingRepository = new PairingRepository(db);
  const transcodeJobsRepository = new TranscodeJobsRepository(db);
  const jobsRepository = new JobsRepository(db);

  const access = new AccessPolicy(organizationsRepository);
  const auth = new AuthService(new AuthRepository(db), { attemptsPerMinute: config.loginAttemptsPerMinute, windowSeconds: config.loginWindowSeconds });
  const organizations = new OrganizationsService(organizationsRepository, access);
  const issuers = new IssuerService(organizationsRepository, new IssuerRepository(db), access);
  const requirements = new RequirementsService(new RequirementsRepository(db), reportsRepository, organizationsRepository, access);
  const catalog = new CatalogService(catalogRepository, access, subtitlesRepository);
  const teach = new TeachService(db, catalogRepository, new TeachRepository(db), organizationsRepository, transcodeJobsRepository, access, handoutsRepository);
  const media = new MediaService(storage, config.sessionSecret, { sharedPlaylists: config.s3?.sharedPlaylists ?? true });
  const playback = new PlaybackService(new PlaybackRepository(sqlRunner(db)), catalog, {
    startPlaylists: (prefix: string) => media.startPlaylists(prefix),
    mediaSecret: config.sessionSecret,
    rememberSessions: config.heartbeatMemorySessions,
  });
  const classes = new ClassesService(new ClassesRepository(db), organizationsRepository, access);
  const reservations = new UploadReservationsRepository(db);
  const uploadStaging = openUploadStaging({ config, db, storage }, reservations);
  const transcoding = new TranscodingService(db, storage, transcodeJobsRepository);

  return {
    access,
    auth,
    audit: new AuditLog(new AuditRepository(db), access),
    organizations,
    issuers,
    staff: new StaffService(new StaffRepository(db), organizationsRepository, access),
    users: new UsersService(new UsersRepository(db), auth, access),
    roster: new RosterService(db, new RosterRepository(db), jobsRepository, access),
    jobs: new JobsService(jobsRepository, access),
    requirements,
    plans: new PlansService(new PlansRepository(db), organizationsRepository, organizations, access),
    reports: new ReportsService(reportsRepository, access),
    catalog,
    learning: new LearningService(learningRepository, catalog, requirements),
    teach,
    handouts: new HandoutsService(db, handoutsRepository, catalogRepository, catalog, teach, access, storage, {
      maxBytes: config.handoutMaxBytes,
      tempDir: path.join(config.dataDir, 'tmp'),
      log,
    }),
    subtitles: new SubtitlesService(db, subtitlesRepository, storage, teach, catalog),
    media,
    playback,
    groups: new GroupsService(groupsRepository, playback, auth),
    uploads: new UploadsService(db, storage, catalogRepository, reservations, jobsRepository, transcoding, access, uploadStaging, uploadLimits(config)),
    uploadStaging,
    transcoding,
    transcodeRetry: new TranscodeRetryService(db, storage, catalogRepository, transcodeJobsRepository, access),
    credits: new CreditsService(new CreditsRepository(db), organizations),
    certificates: new CertificatesService(
      new CertificatesRepository(sqlRunner(db)),
      (orgId) => issuers.issuerFor(orgId),
      (code) => classes.certificateByCode(code),
    ),
    evidence: new EvidenceService(new EvidenceRepository(db), access, inPersonRepository, groupsRepository),
    inPerson: new InPersonService(inPersonRepository, organizationsRepository, access),
    pairing: new PairingService(pairingRepository, organizationsRepository, access, requirements, learningRepository),
    pairingReport: new PairingReportService(pairingRepository, reportsRepository, access),
    classes,
    bulletin: new BulletinService(new BulletinRepository(db), reportsRepository, access),
    lrs: new LrsService(db, new LrsRepository(db), access, config.lrs !== undefined),
  };
}
