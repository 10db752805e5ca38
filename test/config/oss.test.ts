import { ossClientOptions } from '../../config/oss';
import { loadConfig } from '../../config/settings';

describe('ali-oss options from the OSS_* settings', () => {
  const optionsFor = (endpoint: string) =>
    ossClientOptions(
      loadConfig({ OSS_ENDPOINT: endpoint, OSS_ACCESS_KEY_ID: 'id', OSS_ACCESS_KEY_SECRET: 'secret' }),
    );

  it('addresses an Aliyun endpoint as bucket.endpoint', () => {
    const options = optionsFor('https://oss-cn-hangzhou.aliyuncs.com');
    expect(options).toMatchObject({
      endpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
      bucket: 'jimeng-flow',
    });
    expect(options.cname).toBeUndefined();
  });

  it.each(['http://localhost:8791', 'http://oss-server:8791', 'https://cdn.example.com'])(
    'addresses %s as a custom domain that serves the bucket',
    (endpoint) => {
      expect(optionsFor(endpoint)).toMatchObject({ endpoint, cname: true });
    },
  );

  it("reads the seed's alias names for the keys", () => {
    expect(optionsFor('http://localhost:8791')).toMatchObject({
      accessKeyId: 'id',
      accessKeySecret: 'secret',
    });
  });
});
