import type http from 'node:http';
import type { Caller } from './caller';
import { sendFailure, sendJson } from './http-messages';
import { FORK_TEXT, failure, loginError, paramsInvalid } from './proxy-text';
import type { SimulatorState } from './simulator-state';
import { taskView } from './video-tasks';

/** Fork mode: GET /v1/async/tasks/:id, the task's upstream status by elapsed time. */
export function taskStatus(
  state: SimulatorState,
  res: http.ServerResponse,
  url: URL,
  authorization: unknown,
  caller: Caller | undefined,
): void {
  if (typeof authorization !== 'string' || caller === undefined)
    return sendFailure(res, paramsInvalid('headers.authorization'));
  if (!state.alive(caller.sessionId)) return sendFailure(res, loginError());
  const admitted = state.sessions.admit(caller.sessionId);
  if (!admitted.ok) {
    return sendJson(
      res,
      429,
      { code: -1, message: FORK_TEXT.tooMany, data: null },
      { 'retry-after': String(Math.ceil(admitted.retryAfterMs / 1000)) },
    );
  }
  const id = decodeURIComponent(url.pathname.slice('/v1/async/tasks/'.length));
  const task = state.tasks.find(id, caller.sessionId);
  if (task === undefined) return sendFailure(res, failure(-2008, FORK_TEXT.recordMissing));
  const view = taskView(task, state.now());
  const results =
    view.finished && view.failCode === ''
      ? [{ url: state.fileUrl(task.fileName), revised_prompt: task.prompt }]
      : null;
  return sendJson(res, 200, {
    history_id: task.id,
    task_type: 'video',
    status: view.status,
    fail_code: view.failCode,
    item_count: results?.length ?? 0,
    results,
  });
}
