/** Short names for the routes the simulator serves: counter keys and fault filters. */
export const ENDPOINTS = {
  info: 'GET /',
  ping: 'GET /ping',
  models: 'GET /v1/models',
  imageGenerations: 'POST /v1/images/generations',
  imageCompositions: 'POST /v1/images/compositions',
  videoGenerations: 'POST /v1/videos/generations',
  videoSubmit: 'POST /v1/async/videos/generations',
  taskStatus: 'GET /v1/async/tasks/:id',
  tokenCheck: 'POST /token/check',
  tokenPoints: 'POST /token/points',
  files: 'GET /files/:name',
  unknown: 'unknown route',
} as const;
export type Endpoint = (typeof ENDPOINTS)[keyof typeof ENDPOINTS];
export const ALL_ENDPOINTS: readonly Endpoint[] = Object.values(ENDPOINTS);

/** Calls that start a paid job: they take quota, and a task-failure fault attaches to them. */
export const GENERATION_ENDPOINTS: readonly Endpoint[] = [
  ENDPOINTS.imageGenerations,
  ENDPOINTS.imageCompositions,
  ENDPOINTS.videoGenerations,
  ENDPOINTS.videoSubmit,
];

/** Faults without an explicit endpoint hit every protocol route, but never downloads (they are CDN links upstream). */
export const FAULTABLE_BY_DEFAULT: readonly Endpoint[] = ALL_ENDPOINTS.filter((e) => e !== ENDPOINTS.files);
