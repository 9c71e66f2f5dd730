import { z } from 'zod';

/**
 * Who may register a product (chủ thể OCOP), Decision 26/2026/QĐ-TTg Art. 2.3: "hợp tác
 * xã; tổ hợp tác; doanh nghiệp nhỏ và vừa; trang trại, hộ sản xuất, hộ gia đình có đăng
 * ký kinh doanh. Đối với nhóm sản phẩm dịch vụ du lịch cộng đồng, du lịch sinh thái và
 * điểm du lịch bao gồm thêm: hội, hiệp hội, trung tâm điều hành hoặc tổ chức tương
 * đương." The sectors a kind is limited to are data (rules/rule-sets.yaml).
 */
export const producerKinds = [
  'cooperative', // hợp tác xã
  'cooperative_group', // tổ hợp tác
  'enterprise', // doanh nghiệp nhỏ và vừa
  'farm', // trang trại
  'household', // hộ sản xuất, hộ gia đình có đăng ký kinh doanh
  'association', // hội, hiệp hội, trung tâm điều hành du lịch hoặc tổ chức tương đương
] as const;

export const producerKindSchema = z.enum(producerKinds);
export type ProducerKind = z.infer<typeof producerKindSchema>;
