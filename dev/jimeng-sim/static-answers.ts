/* The proxy's fixed answers, the same whoever calls. */

/** The proxy's service info (src/api/routes/index.ts:11-25). */
export const SERVICE_INFO = {
  service: 'jimeng-api',
  status: 'running',
  version: '1.6.3',
  description: '免费的AI图像和视频生成API服务 - 基于即梦AI的逆向工程实现',
  documentation: 'https://github.com/iptag/jimeng-api',
  endpoints: {
    images: '/v1/images/generations',
    compositions: '/v1/images/compositions',
    videos: '/v1/videos/generations',
    models: '/v1/models',
    health: '/ping',
  },
};

/** The proxy's static model list (src/api/routes/models.ts:9-40). */
export const MODEL_LIST = {
  data: [
    { id: 'jimeng', object: 'model', owned_by: 'jimeng-api' },
    ...(
      [
        ['jimeng-video-3.0', '即梦AI视频生成模型 3.0 版本'],
        ['jimeng-video-3.0-pro', '即梦AI视频生成模型 3.0 专业版'],
        ['jimeng-video-2.0', '即梦AI视频生成模型 2.0 版本'],
        ['jimeng-video-2.0-pro', '即梦AI视频生成模型 2.0 专业版'],
      ] as const
    ).map(([id, description]) => ({ id, object: 'model', owned_by: 'jimeng-api', description })),
  ],
};
