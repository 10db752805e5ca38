import { MAX_ROTATION_OVERLAP_SECONDS } from '../../services/callbacks/tenant-callback-secrets';

/** `--overlap-seconds` as typed at a shell: whole seconds within the rotation bound, or what to tell the operator. */
export function overlapSecondsArg(text: string): { seconds: number } | { problem: string } {
  return /^\d+$/.test(text) && Number(text) <= MAX_ROTATION_OVERLAP_SECONDS
    ? { seconds: Number(text) }
    : { problem: `--overlap-seconds must be a whole number from 0 to ${MAX_ROTATION_OVERLAP_SECONDS}` };
}
