/**
 * Imported by the staff pages (/admin, /teach, the evidence page) before they render: their zh-CN
 * strings join the catalog (zh-CN-staff.ts; docs/web.md, "Size budget").
 */
import { registerStaffCatalog } from './index.svelte.ts';
import zhCNStaff from './zh-CN-staff.ts';

registerStaffCatalog(zhCNStaff);
