import { MAX_PROMPT_LENGTH, planImage, planVideo } from '../../../domain/generation/generation-plan';
import { InputError } from '../../../domain/input-error';
import type {
  GenerationTaskFields,
  ImageRequestFields,
  VideoRequestFields,
} from '../../../domain/generation/generation-types';
import { DEFAULT_PRICING, priceImage, priceVideo, type PricingTable } from '../../../domain/pricing';
import { SiteType } from '../../../db/codes';

const TASK: GenerationTaskFields = {
  taskId: '1234567890123456789',
  userId: '3f2b8c4e-9a1d-4e7b-8c2f-0a1b2c3d4e5f',
  projectId: 'proj-1',
  projectName: 'Spring campaign',
  storyboardId: 'sb_01',
  workId: 'work:7',
};

const task = (overrides: Partial<GenerationTaskFields> = {}): GenerationTaskFields => ({
  ...TASK,
  ...overrides,
});

/** Every site, as SiteType numbers, in SiteType order. */
const CN = SiteType.CN;
const US = SiteType.US;
const HK = SiteType.HK;
const JP = SiteType.JP;
const SG = SiteType.SG;

/** A table unlike the defaults, so a plan that ignored the table it was given would show. */
const CUSTOM_PRICING: PricingTable = {
  imagePerCall: { '1k': 1, '2k': 3, '4k': 7 },
  videoPerSecond: { '720p': 5, '1080p': 11 },
  modelMultipliers: { 'jimeng-4.5': 2.5, 'jimeng-video-3.5-pro': 1, 'jimeng-video-3.0': 0.5 },
};

/** Runs `plan` and returns the InputError it throws; fails the test if it throws anything else. */
function refusal(plan: () => unknown): InputError {
  let thrown: unknown;
  try {
    plan();
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) throw new Error('expected a InputError, but the request was planned');
  if (!(thrown instanceof InputError)) throw new Error(`expected a InputError, got ${String(thrown)}`);
  return thrown;
}

const image = (request: Partial<ImageRequestFields> = {}, t: Partial<GenerationTaskFields> = {}) =>
  planImage(task(t), { prompt: 'a red fox in the snow', ...request }, DEFAULT_PRICING);
const video = (request: Partial<VideoRequestFields> = {}, t: Partial<GenerationTaskFields> = {}) =>
  planVideo(task(t), { prompt: 'a red fox running in the snow', ...request }, DEFAULT_PRICING);

describe('InputError', () => {
  it('is an Error that names the field to fix, also in its message', () => {
    const error = new InputError('ratio', 'must be one of 1:1');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('InputError');
    expect(error.field).toBe('ratio');
    expect(error.message).toBe('ratio: must be one of 1:1');
  });
});

describe('planImage', () => {
  it('writes the defaults into the plan and the call: jimeng-4.5, 1:1, 2k', () => {
    const plan = image();
    expect(plan).toMatchObject({
      type: 'image',
      composition: false,
      model: 'jimeng-4.5',
      ratio: '1:1',
      resolution: '2k',
    });
    expect(plan.call).toEqual({
      prompt: 'a red fox in the snow',
      model: 'jimeng-4.5',
      ratio: '1:1',
      resolution: '2k',
    });
  });

  it('keeps the values asked for', () => {
    const plan = image({ model: 'jimeng-5.0', ratio: '21:9', resolution: '4k' });
    expect(plan).toMatchObject({ model: 'jimeng-5.0', ratio: '21:9', resolution: '4k' });
    expect(plan.call).toMatchObject({ model: 'jimeng-5.0', ratio: '21:9', resolution: '4k' });
  });

  it('passes the optional upstream parameters through when given', () => {
    const plan = image({ negativePrompt: 'blurry', intelligentRatio: true, sampleStrength: 0.4 });
    expect(plan.call).toEqual({
      prompt: 'a red fox in the snow',
      model: 'jimeng-4.5',
      ratio: '1:1',
      resolution: '2k',
      negativePrompt: 'blurry',
      intelligentRatio: true,
      sampleStrength: 0.4,
    });
  });

  it('leaves an empty negative prompt out of the call', () => {
    expect(image({ negativePrompt: '' }).call).not.toHaveProperty('negativePrompt');
  });

  it('accepts the ends of the sample strength range', () => {
    expect(image({ sampleStrength: 0 }).call).toMatchObject({ sampleStrength: 0 });
    expect(image({ sampleStrength: 1 }).call).toMatchObject({ sampleStrength: 1 });
  });

  it('does not refuse intelligentRatio: false on a model without intelligent ratio', () => {
    expect(image({ model: 'jimeng-3.0', intelligentRatio: false }).model).toBe('jimeng-3.0');
  });

  describe('price', () => {
    it.each<[Partial<ImageRequestFields>, number]>([
      [{}, 4], // jimeng-4.5, 2k
      [{ resolution: '1k' }, 2],
      [{ resolution: '4k' }, 8],
      [{ model: 'nanobananapro', resolution: '1k' }, 4],
      [{ model: 'jimeng-4.6', resolution: '1k' }, 3], // 2.5 rounded up
      [{ model: 'jimeng-5.0', resolution: '4k' }, 12],
    ])('with the default table, %j costs %i, as priceImage says', (request, expected) => {
      const plan = image(request);
      expect(plan.price).toBe(expected);
      expect(plan.price).toBe(
        priceImage({ model: plan.model, resolution: plan.resolution }, DEFAULT_PRICING),
      );
    });

    it('uses the table it is given', () => {
      const plan = planImage(task(), { prompt: 'fox', resolution: '2k' }, CUSTOM_PRICING);
      expect(plan.price).toBe(8); // 3 * 2.5 rounded up
      expect(plan.price).toBe(priceImage({ model: 'jimeng-4.5', resolution: '2k' }, CUSTOM_PRICING));
      const other = planImage(
        task(),
        { prompt: 'fox', model: 'jimeng-4.0', resolution: '4k' },
        CUSTOM_PRICING,
      );
      expect(other.price).toBe(7);
    });

    it('costs the same for a composition as for a plain generation', () => {
      expect(image({ images: ['https://example.com/a.png'] }).price).toBe(image().price);
    });
  });

  describe('composition', () => {
    it('is a composition carrying the images when images are given', () => {
      const images = ['https://example.com/a.png', 'http://example.com/b.jpg'];
      const plan = image({ images, ratio: '16:9' });
      expect(plan.composition).toBe(true);
      expect(plan.call).toEqual({
        prompt: 'a red fox in the snow',
        model: 'jimeng-4.5',
        ratio: '16:9',
        resolution: '2k',
        images,
      });
    });

    it('is a plain generation without images', () => {
      const plan = image();
      expect(plan.composition).toBe(false);
      expect(plan.call).not.toHaveProperty('images');
    });

    it('takes up to 10 images', () => {
      const images = Array.from({ length: 10 }, (_, i) => `https://example.com/${i}.png`);
      expect(image({ images }).call).toMatchObject({ images });
    });
  });

  describe('sites', () => {
    it.each<[string, number[]]>([
      ['jimeng-4.5', [CN, US, HK, JP, SG]],
      ['jimeng-5.0', [CN, HK, JP, SG]],
      ['jimeng-3.1', [CN]],
      ['nanobanana', [US, HK, JP, SG]],
      ['nanobananapro', [US, HK, JP, SG]],
    ])('by default, %s may run on every site serving it: %j', (model, sites) => {
      expect(image({ model }).sites).toEqual(sites);
    });

    it('treats an empty preference as no preference', () => {
      expect(image({ model: 'nanobanana' }, { sites: [] }).sites).toEqual([US, HK, JP, SG]);
    });

    it("keeps the caller's preferred sites that serve the model, in the caller's order", () => {
      expect(image({ model: 'jimeng-5.0' }, { sites: [JP, US, CN] }).sites).toEqual([JP, CN]);
      expect(image({ model: 'jimeng-4.5' }, { sites: [SG, CN, US] }).sites).toEqual([SG, CN, US]);
      expect(image({ model: 'nanobanana' }, { sites: [CN, HK] }).sites).toEqual([HK]);
    });

    it('refuses, naming sites, when no preferred site serves the model', () => {
      const error = refusal(() => image({ model: 'nanobanana' }, { sites: [CN] }));
      expect(error.field).toBe('sites');
      expect(error.message).toContain('nanobanana');
      expect(refusal(() => image({ model: 'jimeng-3.1' }, { sites: [US, HK] })).field).toBe('sites');
    });

    it('lists a preferred site once however often it is given', () => {
      expect(image({}, { sites: [US, US, CN] }).sites).toEqual([US, CN]);
    });

    it.each([[[7]], [[CN, 5]], [[-1]], [[1.5]]])('refuses the unknown site number in %j', (sites) => {
      const error = refusal(() => image({}, { sites }));
      expect(error.field).toBe('sites');
      expect(error.message).toContain(String(sites.find((s) => ![0, 1, 2, 3, 4].includes(s))));
    });
  });

  describe('refusals', () => {
    it.each<[string, Partial<ImageRequestFields>]>([
      ['model', { model: 'dall-e-3' }],
      ['model', { model: 'jimeng-video-3.0' }],
      ['model', { model: '' }],
      ['ratio', { ratio: '5:4' }],
      ['ratio', { ratio: '1:1 ' }],
      ['resolution', { resolution: '8k' }],
      ['resolution', { resolution: '720p' }],
      ['resolution', { resolution: '2K' }],
      ['intelligentRatio', { model: 'jimeng-3.0', intelligentRatio: true }],
      ['intelligentRatio', { model: 'jimeng-3.1', intelligentRatio: true }],
      ['intelligentRatio', { model: 'nanobanana', intelligentRatio: true }],
      ['sampleStrength', { sampleStrength: -0.01 }],
      ['sampleStrength', { sampleStrength: 1.01 }],
      ['sampleStrength', { sampleStrength: Number.NaN }],
      ['sampleStrength', { sampleStrength: '0.5' as unknown as number }],
      ['images', { images: [] }],
      ['images', { images: Array.from({ length: 11 }, (_, i) => `https://example.com/${i}.png`) }],
      ['images', { images: 'https://example.com/a.png' as unknown as string[] }],
      ['images[0]', { images: ['not a url'] }],
      ['images[1]', { images: ['https://example.com/a.png', 'ftp://example.com/b.png'] }],
      ['images[1]', { images: ['https://example.com/a.png', 'data:image/png;base64,AAAA'] }],
      ['images[2]', { images: ['https://a.example/1', 'https://a.example/2', 42 as unknown as string] }],
      ['images[0]', { images: [`https://example.com/${'a'.repeat(500)}.png`] }],
      ['negativePrompt', { negativePrompt: 123 as unknown as string }],
      ['negativePrompt', { negativePrompt: 'n'.repeat(MAX_PROMPT_LENGTH + 1) }],
      ['intelligentRatio', { intelligentRatio: 'yes' as unknown as boolean }],
    ])('refuses with field %s: %j', (field, request) => {
      expect(refusal(() => image(request)).field).toBe(field);
    });

    it('lists the allowed values when refusing a ratio', () => {
      expect(refusal(() => image({ ratio: '5:4' })).message).toContain('16:9');
    });
  });
});

describe('planVideo', () => {
  it('writes the defaults into the plan and the call: jimeng-video-3.5-pro, 5 s, 1:1, 720p', () => {
    const plan = video();
    expect(plan).toMatchObject({
      type: 'video',
      model: 'jimeng-video-3.5-pro',
      durationSeconds: 5,
      ratio: '1:1',
      resolution: '720p',
    });
    // 3.5-pro ignores resolution upstream: it is neither sent nor billed.
    expect(plan.call).toEqual({
      prompt: 'a red fox running in the snow',
      model: 'jimeng-video-3.5-pro',
      ratio: '1:1',
      duration: 5,
    });
  });

  it('bills and records the base resolution for models that ignore the one asked for', () => {
    const plan = video({ resolution: '1080p' });
    expect(plan.resolution).toBe('720p');
    expect(plan.price).toBe(video({ resolution: '720p' }).price);
    expect(plan.call).not.toHaveProperty('resolution');
  });

  it.each<[string, number]>([
    ['jimeng-video-veo3', 8],
    ['jimeng-video-sora2', 4],
    ['jimeng-video-seedance-2.0', 5],
    ['jimeng-video-3.0', 5],
  ])("uses %s's own default duration (%i s) when none is given", (model, duration) => {
    const plan = video({ model });
    expect(plan.durationSeconds).toBe(duration);
    expect(plan.call.duration).toBe(duration);
  });

  it('keeps the values asked for', () => {
    const plan = video({ model: 'jimeng-video-3.0', ratio: '9:16', resolution: '1080p', duration: 10 });
    expect(plan).toMatchObject({
      model: 'jimeng-video-3.0',
      ratio: '9:16',
      resolution: '1080p',
      durationSeconds: 10,
    });
    expect(plan.call).toMatchObject({
      model: 'jimeng-video-3.0',
      ratio: '9:16',
      resolution: '1080p',
      duration: 10,
    });
  });

  it.each<[string, number[]]>([
    ['jimeng-video-3.5-pro', [5, 10, 12]],
    ['jimeng-video-seedance-2.0', [4, 9, 15]],
    ['jimeng-video-veo3.1', [8]],
    ['jimeng-video-sora2', [4, 8, 12]],
  ])('accepts the durations %s offers: %j', (model, durations) => {
    for (const duration of durations) expect(video({ model, duration }).durationSeconds).toBe(duration);
  });

  describe('price', () => {
    it.each<[Partial<VideoRequestFields>, number]>([
      [{}, 15], // 3.5-pro: 5 s * 2 * 1.5
      [{ resolution: '1080p', duration: 10 }, 30], // 3.5-pro ignores resolution: billed at 720p
      [{ model: 'jimeng-video-3.0', resolution: '1080p', duration: 10 }, 30],
      [{ model: 'jimeng-video-3.0', duration: 10 }, 20],
      [{ model: 'jimeng-video-veo3' }, 48], // 8 s * 2 * 3
      [{ model: 'jimeng-video-seedance-2.0-fast', resolution: '1080p', duration: 7 }, 21], // 720p: 7 * 2 * 1.5
    ])('with the default table, %j costs %i, as priceVideo says', (request, expected) => {
      const plan = video(request);
      expect(plan.price).toBe(expected);
      expect(plan.price).toBe(
        priceVideo(
          { model: plan.model, resolution: plan.resolution, durationSeconds: plan.durationSeconds },
          DEFAULT_PRICING,
        ),
      );
    });

    it('uses the table it is given', () => {
      const plan = planVideo(
        task(),
        { prompt: 'fox', model: 'jimeng-video-3.0', resolution: '1080p', duration: 10 },
        CUSTOM_PRICING,
      );
      expect(plan.price).toBe(55); // 10 s * 11 * 0.5
      expect(plan.price).toBe(
        priceVideo({ model: 'jimeng-video-3.0', resolution: '1080p', durationSeconds: 10 }, CUSTOM_PRICING),
      );
      const other = planVideo(task(), { prompt: 'fox', model: 'jimeng-video-3.0' }, CUSTOM_PRICING);
      expect(other.price).toBe(13); // 5 s * 5 * 0.5 rounded up
    });
  });

  describe('frames', () => {
    it('sends a first frame, or a first and last frame, as framePaths', () => {
      expect(video({ images: ['https://example.com/first.png'] }).call.framePaths).toEqual([
        'https://example.com/first.png',
      ]);
      const both = ['https://example.com/first.png', 'http://example.com/last.png'];
      expect(video({ images: both }).call.framePaths).toEqual(both);
    });

    it('sends no framePaths without images', () => {
      expect(video().call).not.toHaveProperty('framePaths');
    });
  });

  describe('sites', () => {
    it.each<[string, number[]]>([
      ['jimeng-video-3.5-pro', [CN, US, HK, JP, SG]],
      ['jimeng-video-3.0-fast', [CN, HK, JP, SG]],
      ['jimeng-video-seedance-2.0', [CN]],
      ['jimeng-video-veo3', [HK, JP, SG]],
      ['jimeng-video-sora2', [HK, JP, SG]],
    ])('by default, %s may run on every site serving it: %j', (model, sites) => {
      expect(video({ model }).sites).toEqual(sites);
    });

    it("keeps the caller's preferred sites that serve the model, in the caller's order", () => {
      expect(video({ model: 'jimeng-video-3.0-fast' }, { sites: [SG, US, CN, HK] }).sites).toEqual([
        SG,
        CN,
        HK,
      ]);
    });

    it('refuses, naming sites, when no preferred site serves the model or a site is unknown', () => {
      expect(refusal(() => video({ model: 'jimeng-video-veo3' }, { sites: [CN, US] })).field).toBe('sites');
      expect(refusal(() => video({ model: 'jimeng-video-seedance-2.0' }, { sites: [JP] })).field).toBe(
        'sites',
      );
      expect(refusal(() => video({}, { sites: [CN, 42] })).field).toBe('sites');
    });
  });

  describe('refusals', () => {
    it.each<[string, Partial<VideoRequestFields>]>([
      ['model', { model: 'jimeng-4.5' }],
      ['model', { model: 'sora' }],
      ['ratio', { ratio: '3:2' }],
      ['ratio', { ratio: 'square' }],
      ['resolution', { resolution: '2k' }],
      ['resolution', { resolution: '4k' }],
      ['duration', { duration: 7 }],
      ['duration', { duration: 0 }],
      ['duration', { duration: 5.5 }],
      ['duration', { model: 'jimeng-video-3.0', duration: 12 }],
      ['duration', { model: 'jimeng-video-seedance-2.0', duration: 16 }],
      ['duration', { model: 'jimeng-video-veo3', duration: 5 }],
      ['duration', { duration: '5' as unknown as number }],
      ['images', { images: [] }],
      ['images', { images: ['https://a.example/1', 'https://a.example/2', 'https://a.example/3'] }],
      ['images[0]', { images: ['/local/frame.png'] }],
      ['images[1]', { images: ['https://a.example/1', 'file:///tmp/last.png'] }],
    ])('refuses with field %s: %j', (field, request) => {
      expect(refusal(() => video(request)).field).toBe(field);
    });

    it("lists the model's allowed durations when refusing one", () => {
      expect(refusal(() => video({ duration: 7 })).message).toContain('5, 10, 12');
      expect(refusal(() => video({ model: 'jimeng-video-sora2', duration: 5 })).message).toContain(
        '4, 8, 12',
      );
    });
  });
});

describe.each([
  ['planImage', (t: GenerationTaskFields, prompt: string) => planImage(t, { prompt }, DEFAULT_PRICING)],
  ['planVideo', (t: GenerationTaskFields, prompt: string) => planVideo(t, { prompt }, DEFAULT_PRICING)],
])('%s, the task and the prompt', (_name, plan) => {
  const asString = (value: unknown) => value as string;
  const ID_50 = 'aZ09_.:-'.repeat(6) + 'ab';
  const NAME_50 = '项目 / #1 '.repeat(6) + 'ok';

  it.each<[string, Partial<GenerationTaskFields>]>([
    ['taskId', { taskId: '' }],
    ['taskId', { taskId: 'has space' }],
    ['taskId', { taskId: 'a/b' }],
    ['taskId', { taskId: 'x'.repeat(37) }],
    ['taskId', { taskId: asString(123) }],
    ['userId', { userId: 'not-a-uuid' }],
    ['userId', { userId: '' }],
    ['userId', { userId: '3f2b8c4e9a1d4e7b8c2f0a1b2c3d4e5f' }],
    ['userId', { userId: '3f2b8c4e-9a1d-4e7b-8c2f-0a1b2c3d4e5f0' }],
    ['userId', { userId: '3f2b8c4e-9a1d-4e7b-8c2f-0a1b2c3d4e5g' }],
    ['projectId', { projectId: '' }],
    ['projectId', { projectId: 'x'.repeat(51) }],
    ['projectId', { projectId: 'has space' }],
    ['projectId', { projectId: 'a/b' }],
    ['projectId', { projectId: asString(undefined) }],
    ['storyboardId', { storyboardId: '' }],
    ['storyboardId', { storyboardId: 'sb#1' }],
    ['storyboardId', { storyboardId: asString(7) }],
    ['workId', { workId: 'x'.repeat(51) }],
    ['workId', { workId: 'work?1' }],
    ['projectName', { projectName: '' }],
    ['projectName', { projectName: '   ' }],
    ['projectName', { projectName: 'x'.repeat(51) }],
    ['projectName', { projectName: asString(null) }],
    ['priority', { priority: 1.5 }],
    ['priority', { priority: Number.NaN }],
    ['priority', { priority: Number.POSITIVE_INFINITY }],
    ['priority', { priority: '1' as unknown as number }],
    ['callbackUrl', { callbackUrl: '' }],
    ['callbackUrl', { callbackUrl: 'not a url' }],
    ['callbackUrl', { callbackUrl: 'ftp://example.com/hook' }],
    [
      'callbackUrl',
      { callbackUrl: 'https://example.com/' + 'x'.repeat(501 - 'https://example.com/'.length) },
    ],
  ])('refuses with field %s: %j', (field, overrides) => {
    const error = refusal(() => plan(task(overrides), 'a fox'));
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
  });

  it.each<[string, Partial<GenerationTaskFields>]>([
    ['a 36-character task id', { taskId: 'a'.repeat(36) }],
    ['an upper-case UUID', { userId: '3F2B8C4E-9A1D-4E7B-8C2F-0A1B2C3D4E5F' }],
    [
      '50-character ids of every allowed character',
      { projectId: ID_50, storyboardId: ID_50, workId: ID_50.split('').reverse().join('') },
    ],
    ['a 50-character project name of any characters', { projectName: NAME_50 }],
    ['a negative or zero priority', { priority: -3 }],
    [
      'an http callback URL of exactly 500 characters',
      { callbackUrl: 'http://a.example/' + 'x'.repeat(483) },
    ],
  ])('accepts %s', (_what, overrides) => {
    expect(() => plan(task(overrides), 'a fox')).not.toThrow();
  });

  it.each<[string, string]>([
    ['empty', ''],
    ['blank', ' \n\t '],
    ['one character too long', 'x'.repeat(MAX_PROMPT_LENGTH + 1)],
  ])('refuses a prompt that is %s', (_what, prompt) => {
    expect(refusal(() => plan(task(), prompt)).field).toBe('prompt');
  });

  it('refuses a prompt that is not a string', () => {
    expect(refusal(() => plan(task(), asString(undefined))).field).toBe('prompt');
  });

  it(`accepts a prompt of exactly MAX_PROMPT_LENGTH (${MAX_PROMPT_LENGTH}) characters and sends it as given`, () => {
    const prompt = ' ' + 'x'.repeat(MAX_PROMPT_LENGTH - 2) + ' ';
    expect(plan(task(), prompt).call.prompt).toBe(prompt);
  });

  it('plans the same request the same way every time', () => {
    expect(plan(task({ sites: [SG, CN] }), 'a fox')).toEqual(plan(task({ sites: [SG, CN] }), 'a fox'));
  });
});
