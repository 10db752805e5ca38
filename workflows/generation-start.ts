import type { SearchAttributePair } from '@temporalio/common';
import type { ImageGenerationInput, VideoGenerationInput } from '../domain/generation/generation-types';
import { generationWorkflowId } from './generation-definitions';
import { SEARCH_ATTRIBUTES } from './search-attributes';
import type { GenerationType } from '../domain/generation/generation-types';

const PROMPT_SUMMARY_LENGTH = 120;

/**
 * How every starter (the API, `npm run submit`, tests) starts a generation: the workflow id from (project,
 * storyboard), the operators' search attributes and a memo with the prompt summary, and USE_EXISTING so a
 * duplicate request attaches to the running workflow instead of failing or starting a second one.
 */
export function generationStartOptions<T extends GenerationType>(
  type: T,
  input: T extends 'image' ? ImageGenerationInput : VideoGenerationInput,
  taskQueue: string,
) {
  const model = input.request.model ?? 'default';
  const searchAttributes: SearchAttributePair[] = [
    { key: SEARCH_ATTRIBUTES.projectId, value: input.projectId },
    { key: SEARCH_ATTRIBUTES.storyboardId, value: input.storyboardId },
    { key: SEARCH_ATTRIBUTES.userId, value: input.userId },
    { key: SEARCH_ATTRIBUTES.generationType, value: type },
    { key: SEARCH_ATTRIBUTES.model, value: model },
    { key: SEARCH_ATTRIBUTES.status, value: 'pending' },
  ];
  const prompt = input.request.prompt;
  return {
    workflowId: generationWorkflowId(type, input.projectId, input.storyboardId),
    taskQueue,
    args: [input] as [typeof input],
    workflowIdConflictPolicy: 'USE_EXISTING' as const,
    typedSearchAttributes: searchAttributes,
    memo: {
      taskId: input.taskId,
      projectName: input.projectName,
      prompt:
        prompt.length > PROMPT_SUMMARY_LENGTH ? `${prompt.slice(0, PROMPT_SUMMARY_LENGTH - 1)}…` : prompt,
    },
  };
}
