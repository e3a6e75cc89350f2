import { describe, expect, it } from 'vitest';
import { pathShape, splitUrl, urlShape } from '../../src/core/url/url-shape';

describe('splitUrl', () => {
  it('splits scheme, host, port, path and query without keeping the fragment', () => {
    expect(splitUrl('https://User:pw@IMG.alicdn.com:8443/a/b.jpg?x=1#frag')).toEqual({
      scheme: 'https',
      host: 'img.alicdn.com',
      port: '8443',
      path: '/a/b.jpg',
      query: 'x=1',
    });
    expect(splitUrl('http://www.taobao.com')).toMatchObject({ host: 'www.taobao.com', path: '/', query: '' });
    expect(splitUrl('http://[::1]:80/x')).toMatchObject({ host: '[::1]', port: '80', path: '/x' });
    expect(splitUrl('https://a.com/p#h?notquery')).toMatchObject({ path: '/p', query: '' });
    expect(splitUrl('data:image/png;base64,xx')).toBeNull();
  });
});

describe('pathShape', () => {
  it.each([
    ['/', '/'],
    ['/imgextra/i1/2200123456/O1CN01AbCdEfGh1234567890_!!2200123456.jpg', '/imgextra/i1/{n}/{id}.jpg'],
    ['/api/v1/users/12345678/orders', '/api/v1/users/{n}/orders'],
    ['/obj/9f86d081884c7d659a2feaa0c55ad015.png', '/obj/{hex}.png'],
    ['/x/123e4567-e89b-12d3-a456-426614174000', '/x/{uuid}'],
    ['/undefined', '/undefined'],
    ['/h5/mtop.taobao.detail.getdetail/6.0/', '/h5/mtop.taobao.detail.getdetail/6.0/'],
    ['/u/someone@example.com/profile', '/u/{email}/profile'],
    ['/favicon.ico', '/favicon.ico'],
  ])('%s → %s', (path, shape) => {
    expect(pathShape(path)).toBe(shape);
  });

  it('bounds the length', () => {
    expect(pathShape('/' + 'abc/'.repeat(200)).length).toBeLessThanOrEqual(161);
  });

  it('never keeps a query string', () => {
    expect(urlShape('https://pass.tmall.com/add?_tb_token_=secret&cookie2=abc')).toBe('pass.tmall.com/add');
  });
});
