/**
 * What a trainer reads about a transcode that is not the file's fault, in both languages. Fixed
 * sentences, never an error message: those carry hosts, ports, bucket URLs and driver words (the
 * detail goes to the worker's log). The web page shows the catalog's `serverError.<code>` for
 * these codes and falls back to the stored sentence (web/src/routes/teach/teach-api.ts).
 */
export interface FailureText {
  code: string;
  reasonZh: string;
  reasonEn: string;
}

/** Workers kept stopping before the end (crashes, kill -9, machines lost). */
export function interruptedReason(attempts: number): FailureText {
  return {
    code: 'transcode_interrupted',
    reasonZh: `转码多次中断（${attempts} 次），文件本身可能没有问题。录像已保存，请点击“重新转码”；如果反复出现，请联系平台管理员。`,
    reasonEn: `Transcoding was interrupted ${attempts} times (the worker stopped before finishing); the file itself may be fine. Your recording is kept: press “Retry transcoding”, and contact the platform administrator if it keeps happening.`,
  };
}

/** Every attempt ended in an error that was neither the file's fault nor an outage. */
export function retriesExhaustedReason(attempts: number): FailureText {
  return {
    code: 'transcode_error',
    reasonZh: `转码失败（已尝试 ${attempts} 次），原因不在文件本身，而在平台的转码服务。录像已保存，请稍后点击“重新转码”；如果反复出现，请联系平台管理员。`,
    reasonEn: `Transcoding failed after ${attempts} attempts because of a problem in the platform's transcoding service, not in your file. Your recording is kept: press “Retry transcoding” later, and contact the platform administrator if it keeps happening.`,
  };
}

/** Storage stayed unreachable for longer than a job waits (`limitSeconds`, 24 h by default). */
export function outageReason(limitSeconds: number): FailureText {
  const hours = Math.round(limitSeconds / 3600);
  const minutes = Math.max(1, Math.round(limitSeconds / 60));
  const zh = hours >= 1 ? `${hours} 小时` : `${minutes} 分钟`;
  const en = hours >= 1 ? `${hours} hour${hours === 1 ? '' : 's'}` : `${minutes} minute${minutes === 1 ? '' : 's'}`;
  return {
    code: 'storage_unavailable',
    reasonZh: `平台的文件存储连续 ${zh}无法访问，转码已停止。录像已保存，请在平台恢复正常后点击“重新转码”；如果反复出现，请联系平台管理员。`,
    reasonEn: `The platform's file storage could not be reached for ${en} in a row, so transcoding stopped. Your recording is kept: press “Retry transcoding” once the platform works again, and contact the platform administrator if it keeps happening.`,
  };
}

/** The stored original is gone (source retention deleted it, or it was never stored). */
export function sourceMissingReason(): FailureText {
  return {
    code: 'source_missing',
    reasonZh: '上传的录像已不在平台上保存（转码失败的录像只保留一段时间），无法重新转码。请重新上传录像。',
    reasonEn: 'The uploaded recording is no longer stored on the platform (recordings whose transcoding failed are kept only for a while), so it cannot be transcoded again. Upload the recording again.',
  };
}

/** Shown (job.retryReason) while a job waits for its next attempt. */
export const RETRYING_MESSAGE = 'The last attempt hit an error that is not about the file; it will be tried again automatically.';
/** Stored on a running job (errorReason) while it waits for storage to come back. */
export const WAITING_FOR_STORAGE_MESSAGE = 'The file storage cannot be reached at the moment; transcoding continues by itself when it is back.';
