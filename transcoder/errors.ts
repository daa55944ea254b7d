/**
 * Why an uploaded file cannot become a lecture. A MediaRejectedError is final: retrying the same
 * bytes will fail the same way, so the worker marks the lecture `failed` with `reason` and stops.
 * Any other error thrown by the transcoder may be transient (disk full, killed process) and is
 * worth a retry.
 */

export type MediaRejectionCode =
  | 'empty_file'
  | 'not_media'
  | 'unsupported_format'
  | 'truncated'
  | 'no_audio_and_no_video'
  | 'too_short'
  | 'too_long'
  | 'too_large'
  | 'bad_resolution'
  | 'unsupported_codec'
  | 'decode_failed';

export interface LocalizedReason {
  'zh-CN': string;
  en: string;
}

/** Sentences a trainer can act on: what is wrong and what to upload instead. */
export const REJECTION_REASONS: Record<MediaRejectionCode, LocalizedReason> = {
  empty_file: {
    'zh-CN': '上传的文件是空的（0 字节），请重新导出录像后再上传。',
    en: 'The uploaded file is empty (0 bytes). Export the recording again and upload it.',
  },
  not_media: {
    'zh-CN': '这个文件不是视频或音频文件，请上传 MP4、MOV、MKV 等录像文件。',
    en: 'This file is not a video or audio recording. Upload an MP4, MOV or MKV recording.',
  },
  // a container off the allow-list (containers.ts): a playlist, a script, a picture, subtitles…
  unsupported_format: {
    'zh-CN': '这不是视频或音频录制文件（可能是播放列表、图片、字幕或本平台不接受的格式），请上传录像或录音文件本身，例如 MP4、MOV、MKV、MP3 或 M4A 文件。',
    en: 'This is not a video or audio recording (it may be a playlist, a picture, subtitles or a format this platform does not accept). Upload the recording itself, for example an MP4, MOV, MKV, MP3 or M4A file.',
  },
  truncated: {
    'zh-CN': '这个录像文件不完整（可能上传或导出时中断），请重新导出完整的录像后再上传。',
    en: 'This recording is incomplete (the upload or export was cut off). Export the whole recording again and upload it.',
  },
  no_audio_and_no_video: {
    'zh-CN': '这个文件里既没有画面也没有声音，请上传包含视频或音频的录像文件。',
    en: 'This file has neither picture nor sound. Upload a recording that contains video or audio.',
  },
  too_short: {
    'zh-CN': '这个录像不足 1 秒，请检查是否选错了文件。',
    en: 'This recording is shorter than one second. Check that you picked the right file.',
  },
  too_long: {
    'zh-CN': '这个录像太长，超过了允许的最长时长，请剪成几段分别上传。',
    en: 'This recording is longer than the allowed maximum. Cut it into several parts and upload them separately.',
  },
  too_large: {
    'zh-CN': '这个文件太大，超过了允许的上传大小，请压缩或剪成几段后再上传。',
    en: 'This file is larger than the allowed upload size. Compress it or cut it into parts and upload them separately.',
  },
  bad_resolution: {
    'zh-CN': '这个录像的画面尺寸无法处理（太小或太大），请用常见分辨率（如 1280×720 或 1920×1080）重新导出。',
    en: 'The picture size of this recording cannot be processed (too small or too large). Export it again at a common size such as 1280×720 or 1920×1080.',
  },
  unsupported_codec: {
    'zh-CN': '这个录像使用了无法识别的编码格式，请用 H.264 视频和 AAC 音频（常见的 MP4）重新导出。',
    en: 'This recording uses an encoding that cannot be read. Export it again as a common MP4 (H.264 video, AAC audio).',
  },
  decode_failed: {
    'zh-CN': '这个录像已损坏，无法读取画面或声音，请重新导出录像后再上传。',
    en: 'This recording is damaged and its picture or sound cannot be read. Export the recording again and upload it.',
  },
};

export class MediaRejectedError extends Error {
  override readonly name = 'MediaRejectedError';
  readonly code: MediaRejectionCode;
  readonly reason: LocalizedReason;
  /** What ffprobe/ffmpeg said, for logs; never shown to the trainer. */
  readonly detail?: string;

  constructor(code: MediaRejectionCode, detail?: string) {
    const reason = REJECTION_REASONS[code];
    super(reason.en);
    this.code = code;
    this.reason = reason;
    this.detail = detail;
  }
}

/** ffmpeg stopped for a reason that is not known to be the input's fault: worth retrying. */
export class TranscodeError extends Error {
  override readonly name = 'TranscodeError';
  constructor(
    message: string,
    readonly stderrTail: string = '',
  ) {
    super(message);
  }
}

export function isMediaRejectedError(error: unknown): error is MediaRejectedError {
  return error instanceof MediaRejectedError;
}

/**
 * Reads ffprobe/ffmpeg error output and names the input problem it shows, if any.
 * Unknown failures answer null so that the caller does not blame the file for, say, a full disk.
 */
export function rejectionFromStderr(stderr: string): MediaRejectionCode | null {
  const text = stderr.toLowerCase();
  if (/no space left|cannot allocate memory|permission denied|killed/.test(text)) return null;
  // the allow-lists of containers.ts: the file is something else, or tried to open something else
  if (/format not on whitelist|protocol '[^']*' not on whitelist/.test(text)) return 'unsupported_format';
  if (/moov atom not found|partial file|truncat|end of file|unexpected eof|premature end/.test(text)) return 'truncated';
  if (/decoder \(codec .*\) not found|unknown codec|no decoder|codec not currently supported|could not find codec parameters/.test(text)) {
    return 'unsupported_codec';
  }
  if (/invalid data found when processing input|format .* detected only with low score|could not find corresponding demuxer|not a media/.test(text)) {
    return 'not_media';
  }
  if (/error while decoding|invalid nal|corrupt|concealing|error splitting the input/.test(text)) return 'decode_failed';
  return null;
}
