import { outputExtensionOf } from '../../../services/generation/output-extension';

describe('outputExtensionOf', () => {
  describe('images', () => {
    it.each<[string, string]>([
      ['https://p3-sign.byteimg.com/tos-cn-i/abc~tplv-xyz.webp?x-expires=1', 'webp'],
      [
        'https://p3-sign.byteimg.com/tos-cn-i/abc~tplv-xyz-aigc_resize:2400:2400.png?x-expires=1&x-signature=a%2Fb',
        'png',
      ],
      ['https://p3-sign.byteimg.com/tos-cn-i/img.jpeg', 'jpeg'],
      ['https://p3-sign.byteimg.com/tos-cn-i/img.jpeg~tplv-xyz-resize:0:0', 'jpeg'],
      ['https://cdn.example.com/a/b/photo.jpg#top', 'jpg'],
      ['https://cdn.example.com/a/anim.gif', 'gif'],
      ['https://cdn.example.com/a/IMG_0001.PNG', 'png'],
      ['https://cdn.example.com/a/Photo.JpEg?X-Amz-Expires=60', 'jpeg'],
      ['http://cdn.example.com/a/b.c.webp', 'webp'],
    ])('%s is %s', (url, ext) => {
      expect(outputExtensionOf(url, 'image')).toBe(ext);
    });

    it.each<[string, string]>([
      ['no extension', 'https://p3-sign.byteimg.com/tos-cn-i/abc~tplv-xyz?x-expires=1'],
      ['a bare host', 'https://cdn.example.com'],
      ['a trailing slash', 'https://cdn.example.com/images/'],
      ['an unknown extension', 'https://cdn.example.com/a/b.tiff'],
      ['an image format we do not store', 'https://cdn.example.com/a/b.heic'],
      ['a video extension', 'https://cdn.example.com/a/b.mp4'],
      ['an extension only in the query', 'https://cdn.example.com/download?name=b.webp'],
      ['an extension only in the fragment', 'https://cdn.example.com/download#b.jpeg'],
      ['an extension on a folder, not the file', 'https://cdn.example.com/a.webp/b'],
      ['a malformed URL', 'not a url.webp'],
      ['a URL without a scheme', '//cdn.example.com/a/b.webp'],
      ['an empty string', ''],
    ])('falls back to png for %s: %s', (_what, url) => {
      expect(outputExtensionOf(url, 'image')).toBe('png');
    });
  });

  describe('videos', () => {
    it.each<[string, string]>([
      ['https://v3-web.douyinvod.com/abc/def/video.mp4?a=1&br=2', 'mp4'],
      ['https://p3-sign.byteimg.com/tos-cn-v/abc~tplv-xyz.mp4', 'mp4'],
      ['https://cdn.example.com/clip.MOV', 'mov'],
      ['https://cdn.example.com/clip.webm?sig=1', 'webm'],
    ])('%s is %s', (url, ext) => {
      expect(outputExtensionOf(url, 'video')).toBe(ext);
    });

    it.each<[string, string]>([
      ['no extension', 'https://v3-web.douyinvod.com/abc/def/?a=1'],
      ['an unknown extension', 'https://cdn.example.com/clip.avi'],
      ['an image extension', 'https://p3-sign.byteimg.com/tos-cn-i/abc~tplv-xyz.webp?x-expires=1'],
      ['a jpeg extension', 'https://cdn.example.com/poster.jpeg'],
      ['an extension only in the query', 'https://cdn.example.com/play?file=clip.webm'],
      ['a malformed URL', 'clip.mov'],
      ['an empty string', ''],
    ])('falls back to mp4 for %s: %s', (_what, url) => {
      expect(outputExtensionOf(url, 'video')).toBe('mp4');
    });
  });
});
