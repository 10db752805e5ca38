/** Short names for the routes the simulator serves: counter keys and fault filters. */
export const ENDPOINTS = {
  /** src/api/routes/index.ts:11-25 */
  info: 'GET /',
  /** src/api/routes/ping.ts */
  ping: 'GET /ping',
  /** src/api/routes/models.ts */
  models: 'GET /v1/models',
  /** src/api/routes/images.ts:14 */
  imageGenerations: 'POST /v1/images/generations',
  /** src/api/routes/images.ts:72 */
  imageCompositions: 'POST /v1/images/compositions',
  /** src/api/routes/videos.ts:15 */
  videoGenerations: 'POST /v1/videos/generations',
  /** Fork only (forkExtensions): not a route of the proxy. */
  videoSubmit: 'POST /v1/async/videos/generations',
  /** Fork only (forkExtensions). */
  taskStatus: 'GET /v1/async/tasks/:id',
  /** src/api/routes/token.ts:13, 22, 36 */
  tokenCheck: 'POST /token/check',
  tokenPoints: 'POST /token/points',
  tokenReceive: 'POST /token/receive',
  /** The simulator's stand-in for the CDN the result URLs point at. */
  files: 'GET /files/:name',
  /** Answered as the proxy's catch-all (src/lib/server.ts:163-175). */
  unknown: 'unknown route',
} as const;
export type Endpoint = (typeof ENDPOINTS)[keyof typeof ENDPOINTS];
export const ALL_ENDPOINTS: readonly Endpoint[] = Object.values(ENDPOINTS);

/** Calls that start a paid job. */
export const GENERATION_ENDPOINTS: readonly Endpoint[] = [
  ENDPOINTS.imageGenerations,
  ENDPOINTS.imageCompositions,
  ENDPOINTS.videoGenerations,
  ENDPOINTS.videoSubmit,
];
export const IMAGE_ENDPOINTS: readonly Endpoint[] = [ENDPOINTS.imageGenerations, ENDPOINTS.imageCompositions];
export const VIDEO_ENDPOINTS: readonly Endpoint[] = [ENDPOINTS.videoGenerations, ENDPOINTS.videoSubmit];
export const isVideoEndpoint = (e: Endpoint): boolean => VIDEO_ENDPOINTS.includes(e);

/** Faults without an explicit endpoint hit every protocol route, but never downloads (they are CDN links upstream). */
export const FAULTABLE_BY_DEFAULT: readonly Endpoint[] = ALL_ENDPOINTS.filter((e) => e !== ENDPOINTS.files);
