/**
 * Alibaba Cloud region ids (the `RegionId` of the OpenAPI, the middle of `oss-<region>.aliyuncs.com` and
 * `ecs.<region>.aliyuncs.com`). Data: a host name yields a region only when it names one of these, so a
 * user-chosen label (a bucket called `us-acme-payroll`) never passes for a region. Keep sorted within groups;
 * test/unit/catalogue.test.ts checks the shape.
 */
export const REGION_IDS: readonly string[] = [
  // Chinese mainland
  'cn-beijing',
  'cn-chengdu',
  'cn-fuzhou',
  'cn-guangzhou',
  'cn-hangzhou',
  'cn-heyuan',
  'cn-huhehaote',
  'cn-nanjing',
  'cn-qingdao',
  'cn-shanghai',
  'cn-shenzhen',
  'cn-wuhan-lr',
  'cn-wulanchabu',
  'cn-zhangjiakou',
  // Hong Kong
  'cn-hongkong',
  // Finance and government clouds
  'cn-beijing-finance-1',
  'cn-hangzhou-finance',
  'cn-north-2-gov-1',
  'cn-shanghai-finance-1',
  'cn-shenzhen-finance-1',
  // Outside China
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'eu-central-1',
  'eu-west-1',
  'me-central-1',
  'me-east-1',
  'na-south-1',
  'us-east-1',
  'us-west-1',
];
