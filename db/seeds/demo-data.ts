// The fixed facts of the demo data set: advisors, their delegates, and the vocabularies
// members are drawn from. Tests and the README rely on these.
import type { AdvisorTier } from '../../server/domain/model.js';

/** Every demo user (supervisor, admin, one agent per advisor) signs in with this password. */
export const DEMO_PASSWORD = 'demo1234';
export const DEMO_MEMBER_COUNT = 2000;
export const DEMO_SEED = 20261123;

export interface DemoAdvisor {
  name: string;
  nameZh: string;
  tier: AdvisorTier;
  endpoint: string;
  /** Positions (1-based) in DEMO_ADVISORS of the delegates, in order. */
  delegates: number[];
}

export const DEMO_ADVISORS: readonly DemoAdvisor[] = [
  { name: 'Alice Wang', nameZh: '王丽', tier: 'senior', endpoint: 'PJSIP/1001', delegates: [2, 11] },
  { name: 'Bob Li', nameZh: '李波', tier: 'senior', endpoint: 'PJSIP/1002', delegates: [1] },
  { name: 'Cathy Zhang', nameZh: '张婷', tier: 'vip', endpoint: 'PJSIP/1003', delegates: [4] },
  { name: 'David Chen', nameZh: '陈伟', tier: 'vip', endpoint: 'PJSIP/1004', delegates: [3, 1] },
  { name: 'Emma Liu', nameZh: '刘芳', tier: 'standard', endpoint: 'PJSIP/1005', delegates: [6] },
  { name: 'Frank Zhao', nameZh: '赵强', tier: 'standard', endpoint: 'PJSIP/1006', delegates: [5, 7] },
  { name: 'Grace Huang', nameZh: '黄敏', tier: 'standard', endpoint: 'PJSIP/1007', delegates: [8] },
  { name: 'Henry Zhou', nameZh: '周杰', tier: 'standard', endpoint: 'PJSIP/1008', delegates: [7, 9] },
  { name: 'Iris Wu', nameZh: '吴静', tier: 'standard', endpoint: 'PJSIP/1009', delegates: [10] },
  { name: 'Jack Xu', nameZh: '徐磊', tier: 'standard', endpoint: 'PJSIP/1010', delegates: [9, 5] },
  { name: 'Kelly Sun', nameZh: '孙燕', tier: 'senior', endpoint: 'PJSIP/1011', delegates: [12] },
  { name: 'Leo Ma', nameZh: '马超', tier: 'senior', endpoint: 'PJSIP/1012', delegates: [11, 2] },
];

/** The agent username of a demo advisor: English first name, lower case (`alice`). */
export function demoUsername(advisor: DemoAdvisor): string {
  return advisor.name.split(' ')[0]!.toLowerCase();
}

export function demoMemberNo(n: number): string {
  return `M${String(n).padStart(6, '0')}`;
}

/** Member n's first phone: M000001 -> 8613800000001. */
export function demoPrimaryPhone(n: number): string {
  return `86138${String(n).padStart(8, '0')}`;
}

/** The facts the integration tests and the README's walkthrough use. */
export const DEMO_FIRST_MEMBER = {
  memberNo: 'M000001',
  phone: '8613800000001',
  level: 'gold',
  ownerEndpoint: 'PJSIP/1001',
  ownerName: 'Alice Wang',
  ownerNameZh: '王丽',
  ownerUsername: 'alice',
  delegateEndpoints: ['PJSIP/1002', 'PJSIP/1011'],
} as const;

export const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '高'];
export const GIVEN_NAMES = [
  '伟', '芳', '娜', '秀英', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '秀兰', '霞',
  '平', '刚', '桂英', '玲', '丹', '萍', '鑫', '浩', '婷', '雪', '晨', '欣怡', '子涵', '梓萱', '宇轩', '思远',
];
export const ENGLISH_FIRST = ['Olivia', 'Liam', 'Emma', 'Noah', 'Ava', 'James', 'Mia', 'Lucas', 'Chloe', 'Ethan', 'Sophie', 'Daniel'];
export const ENGLISH_LAST = ['Smith', 'Brown', 'Taylor', 'Wilson', 'Lee', 'Martin', 'Clarke', 'Walker', 'Wright', 'Green'];

/** Zones other than Asia/Shanghai, with the language their members mostly speak. */
export const OTHER_ZONES: ReadonlyArray<{ zone: string; language: 'zh' | 'en' }> = [
  { zone: 'Asia/Hong_Kong', language: 'zh' },
  { zone: 'Asia/Singapore', language: 'en' },
  { zone: 'America/Los_Angeles', language: 'en' },
  { zone: 'Europe/London', language: 'en' },
  { zone: 'Australia/Sydney', language: 'en' },
];

// Mobile prefixes for additional phones; 138 (first phones) and 139/150/186 (large seed) stay free.
export const EXTRA_PREFIXES = ['130', '131', '132', '133', '135', '136', '137', '151', '152', '157', '158', '159', '177', '180', '181', '187', '188', '189'];

export const NOTES = [
  '喜欢上午十点以后接电话。',
  '对乳糖不耐受，推荐产品时注意。',
  '上次询问了礼盒包装，节前可跟进。',
  '孩子两岁，关注辅食与营养品。',
  '偏好微信沟通，电话请简短。',
  'Prefers English; calls after work hours in her time zone.',
  '对价格敏感，有活动时通知。',
  '老客户，多次推荐朋友入会。',
  '上次投诉物流延迟，已补偿，注意安抚。',
  '',
];

export const SERVICE_PLANS: Readonly<Record<'regular' | 'gold' | 'vip', readonly string[]>> = {
  regular: ['季度回访，新品通知', '每两个月一次关怀电话', '节日问候 + 活动提醒'],
  gold: ['每月一次回访，生日礼遇', '每月回访，专属试用装', '双周关怀，优先发货'],
  vip: ['每周专属顾问联系，私人定制方案', '每周回访，年度健康规划，专属活动邀请', 'VIP 管家服务：随时响应，季度上门拜访'],
};

export const TAGS = ['tea', 'wine', 'skincare', 'baby', 'health', 'gift-buyer', 'price-sensitive', 'loyal', 'referrer', 'wechat'];
