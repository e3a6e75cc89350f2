import { describe, expect, it } from 'vitest';
import { imageProblem, isEmptyUrl, type ImageFacts } from '../../src/core/images/image-problems';

const ok: ImageFacts = {
  srcAttr: 'https://img.alicdn.com/a.jpg',
  url: 'https://img.alicdn.com/a.jpg',
  complete: true,
  naturalWidth: 100,
  lazy: null,
  errored: false,
};

describe('image problems', () => {
  it('a loaded image is fine', () => expect(imageProblem(ok, true)).toBeNull());
  it('an image still loading is not (yet) a problem', () =>
    expect(imageProblem({ ...ok, complete: false, naturalWidth: 0 }, false)).toBeNull());
  it('src="undefined" is an empty URL (the page is broken)', () => {
    expect(
      imageProblem({ ...ok, srcAttr: 'undefined', url: 'https://www.taobao.com/undefined', errored: true }, true),
    ).toBe('empty-url');
    expect(
      imageProblem(
        { ...ok, srcAttr: 'https://img.alicdn.com/imgextra/null', url: 'https://img.alicdn.com/imgextra/null' },
        true,
      ),
    ).toBe('empty-url');
    expect(imageProblem({ ...ok, srcAttr: '//undefined', url: 'https://undefined/' }, true)).toBe('empty-url');
  });
  it('a lazy attribute holding undefined is an empty URL', () => {
    expect(
      imageProblem({ ...ok, srcAttr: null, url: '', lazy: 'undefined', complete: true, naturalWidth: 0 }, false),
    ).toBe('empty-url');
  });
  it('an error event is an error', () =>
    expect(imageProblem({ ...ok, errored: true, naturalWidth: 0 }, false)).toBe('error'));
  it('complete with naturalWidth 0 is zero-size (e.g. a 200 with a corrupt body)', () => {
    expect(imageProblem({ ...ok, naturalWidth: 0 }, false)).toBe('zero-size');
  });
  it('a lazy image that never got its real URL is lazy-unresolved, once settled', () => {
    const lazy = {
      ...ok,
      srcAttr: 'data:image/gif;base64,R0lGOD',
      url: 'data:image/gif;base64,R0lGOD',
      lazy: 'https://img.alicdn.com/x.jpg',
    };
    expect(imageProblem(lazy, false)).toBeNull();
    expect(imageProblem(lazy, true)).toBe('lazy-unresolved');
    expect(
      imageProblem({ ...lazy, url: 'https://g.alicdn.com/s.gif', srcAttr: 'https://g.alicdn.com/s.gif' }, true),
    ).toBe('lazy-unresolved');
  });
  it('ordinary URLs are not empty', () => {
    expect(isEmptyUrl('https://img.alicdn.com/undefined_photo.jpg')).toBe(false);
    expect(isEmptyUrl(null)).toBe(false);
    expect(isEmptyUrl(' undefined ')).toBe(true);
    expect(isEmptyUrl('https://img.alicdn.com/x/undefined?x=1')).toBe(true);
  });
});
